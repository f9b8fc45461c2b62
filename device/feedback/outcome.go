package feedback

import "stampclock/queue/record"

// Outcome is what a tap did: the feedback it gave and the records it
// committed. The agent hands it to its observer (agent.Outcome); the web
// page's live taps show it.
type Outcome struct {
	Kind    Kind
	UID     string
	Email   string
	Records []record.Record // what was committed
	Err     error
}
