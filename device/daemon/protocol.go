package daemon

import "stampclock/device/ctlproto"

// The control protocol's types under the names the daemon's code and tests
// use; they are defined in ctlproto, which clients import instead of the
// daemon.
type (
	Status         = ctlproto.Status
	ReaderHealth   = ctlproto.ReaderHealth
	StoreAlarm     = ctlproto.StoreAlarm
	ConfigProblem  = ctlproto.ConfigProblem
	TapArgs        = ctlproto.TapArgs
	TapResult      = ctlproto.TapResult
	ListArgs       = ctlproto.ListArgs
	RetryArgs      = ctlproto.RetryArgs
	RetryResult    = ctlproto.RetryResult
	ExportArgs     = ctlproto.ExportArgs
	ExportPage     = ctlproto.ExportPage
	ReleaseArgs    = ctlproto.ReleaseArgs
	ReleaseResult  = ctlproto.ReleaseResult
	CorrectArgs    = ctlproto.CorrectArgs
	CorrectResult  = ctlproto.CorrectResult
	DiscardArgs    = ctlproto.DiscardArgs
	DiscardResult  = ctlproto.DiscardResult
	DayTotalArgs   = ctlproto.DayTotalArgs
	DayTotalResult = ctlproto.DayTotalResult
	BadgeInfo      = ctlproto.BadgeInfo
	BadgeArgs      = ctlproto.BadgeArgs
	ImportRow      = ctlproto.ImportRow
	ImportArgs     = ctlproto.ImportArgs
	ImportResult   = ctlproto.ImportResult
	LineError      = ctlproto.LineError
	EnrollArgs     = ctlproto.EnrollArgs
	EnrollResult   = ctlproto.EnrollResult
)
