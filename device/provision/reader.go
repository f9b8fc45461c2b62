package provision

import "stampclock/device/daemon"

// ReaderFromStatus is the reader step's answer from a running stampd's
// status (the web page asks in process; stampctl check's readerHealth
// gives the same answers over the socket).
func ReaderFromStatus(s daemon.Status) (ok bool, detail string) {
	if s.ReaderHealth == nil {
		return true, "simulated reader"
	}
	if !s.ReaderHealth.OK {
		return false, "not answering: " + s.ReaderHealth.LastError
	}
	return true, "answering"
}
