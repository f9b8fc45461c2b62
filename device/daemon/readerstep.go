package daemon

// ReaderStep is the checklist's reader step from a running stampd's status:
// whether the reader answers and how to say it. stampctl check (over the
// socket) and the web page's checklist (in process) both use it.
func (s Status) ReaderStep() (ok bool, detail string) {
	if s.ReaderHealth == nil {
		return true, "simulated reader"
	}
	if !s.ReaderHealth.OK {
		return false, "not answering: " + s.ReaderHealth.LastError
	}
	return true, "answering"
}
