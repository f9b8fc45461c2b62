package queue

import "stampclock/queue/record"

// The queue's data types are declared in package queue/record, which links
// no store, so that clients of stampd and uplinks can use them without
// bbolt; these names keep them in this package as well.
type (
	Kind          = record.Kind
	Record        = record.Record
	Claim         = record.Claim
	Result        = record.Result
	Outcome       = record.Outcome
	Item          = record.Item
	Stats         = record.Stats
	UplinkStats   = record.UplinkStats
	Quarantine    = record.Quarantine
	Employee      = record.Employee
	Badge         = record.Badge
	UnknownBadge  = record.UnknownBadge
	SeqRange      = record.SeqRange
	SalvageReport = record.SalvageReport
)

// Record kinds, punch actions, event names (see package record).
const (
	KindPunch   = record.KindPunch
	KindEntry   = record.KindEntry
	KindEvent   = record.KindEvent
	KindRetract = record.KindRetract

	ActionStart = record.ActionStart
	ActionStop  = record.ActionStop

	EventUnknownBadge      = record.EventUnknownBadge
	EventMissingStop       = record.EventMissingStop
	EventReaderFault       = record.EventReaderFault
	EventStoreFault        = record.EventStoreFault
	EventStoreNearFull     = record.EventStoreNearFull
	EventRecordQuarantined = record.EventRecordQuarantined
	EventClockCorrected    = record.EventClockCorrected
	EventHeldDiscarded     = record.EventHeldDiscarded
)

// Results of a delivery attempt (see package record).
const (
	Delivered  = record.Delivered
	NotSent    = record.NotSent
	RetryLater = record.RetryLater
	MaybeSent  = record.MaybeSent
	Rejected   = record.Rejected
	Held       = record.Held
	Withdrawn  = record.Withdrawn
)

// MaxEntryLength is record.MaxEntryLength: how long an entry can be and
// still be found by Entries for a period it overlaps.
const MaxEntryLength = record.MaxEntryLength
