package sitetaps

import (
	"context"
	"strings"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/internal/batch"
	"stampclock/queue"
)

// maxGroup bounds the messages handled (and taps committed) together.
const maxGroup = 256

// handleLoop takes the received messages in groups: one commit for the
// taps of whatever arrived while the last group was handled.
func (x *Exchange) handleLoop(ctx context.Context, inbox <-chan paho.Message) {
	batch.Run(ctx, inbox, maxGroup, x.handle)
}

// handle decodes a group of messages, stores its taps in one transaction
// and acknowledges the group, in order, only after the commit. A store
// error leaves them unacknowledged: the taps are asked for again.
func (x *Exchange) handle(msgs []paho.Message) {
	var taps []queue.SiteTap
	for _, m := range msgs {
		kind, origin, ok := x.parseTopic(m.Topic())
		if !ok || len(m.Payload()) == 0 {
			continue // a cleared retained head, or not ours
		}
		switch kind {
		case "taps":
			if origin == x.o.DeviceID {
				continue // its own, back from the broker
			}
			st, err := decodeTap(origin, m.Payload())
			if err != nil {
				x.reject(m.Topic(), err)
				continue
			}
			taps = append(taps, st)
		case "heads":
			h, err := decodeHead(origin, m.Payload())
			if err != nil {
				x.reject(m.Topic(), err)
				continue
			}
			x.noteHead(h)
		case "replay":
			r, err := decodeReplay(m.Payload())
			if err != nil {
				x.reject(m.Topic(), err)
				continue
			}
			x.mu.Lock()
			x.replay = mergeReplay(x.replay, r)
			x.mu.Unlock()
			x.Kick()
		}
	}
	if err := x.Receive(taps); err != nil {
		x.log.Error("received taps not stored; not acknowledged", "count", len(taps), "err", err)
		return
	}
	for _, m := range msgs {
		m.Ack()
	}
}

func (x *Exchange) parseTopic(topic string) (kind, origin string, ok bool) {
	rest, ok := strings.CutPrefix(topic, x.base())
	if !ok {
		return "", "", false
	}
	kind, origin, ok = strings.Cut(rest, "/")
	if !ok || validOrigin(origin) != nil {
		return "", "", false
	}
	return kind, origin, true
}

func (x *Exchange) reject(topic string, err error) {
	x.mu.Lock()
	x.st.Rejected++
	x.mu.Unlock()
	x.log.Warn("site tap message dropped", "topic", topic, "err", err)
}

func (x *Exchange) noteHead(h Head) {
	if h.Origin == x.o.DeviceID {
		var own queue.SiteTapOrigin
		if err := x.store.View(func(tx *queue.Tx) error {
			var err error
			own, err = tx.SiteTapOrigin(x.o.DeviceID)
			return err
		}); err == nil && h.Seq > own.Highest {
			x.log.Error("the broker holds a head of this terminal above its own taps: its store was replaced, or another terminal uses the same device id",
				"device", x.o.DeviceID, "head", h.Seq, "held", own.Highest)
		}
		return
	}
	x.mu.Lock()
	x.heads[h.Origin] = max(x.heads[h.Origin], h.Seq)
	x.firsts[h.Origin] = max(x.firsts[h.Origin], h.First)
	x.mu.Unlock()
}

// Receive stores taps received from peers in one committed transaction
// (none when all were held) and tells OnStored the new ones.
func (x *Exchange) Receive(taps []queue.SiteTap) error {
	if len(taps) == 0 {
		return nil
	}
	type outcome struct {
		in, held queue.SiteTap
		res      queue.PutResult
	}
	var outs []outcome
	if _, err := x.store.Update(func(tx *queue.Tx) error {
		outs = outs[:0]
		for _, st := range taps {
			res, err := tx.PutSiteTap(st)
			if err != nil {
				return err
			}
			o := outcome{in: st, res: res}
			if res == queue.SiteTapConflict {
				o.held, _, _ = tx.SiteTap(st.Origin, st.Seq)
			}
			outs = append(outs, o)
		}
		return nil
	}); err != nil {
		return err
	}
	var stored []queue.SiteTap
	x.mu.Lock()
	for _, o := range outs {
		x.st.Received++
		switch o.res {
		case queue.SiteTapStored:
			stored = append(stored, o.in)
		case queue.SiteTapDuplicate:
			x.st.Duplicates++
		}
	}
	x.mu.Unlock()
	for _, o := range outs {
		if o.res == queue.SiteTapConflict {
			x.log.Warn("a site tap differs from the one held; the held one is kept",
				"key", Key(o.in.Origin, o.in.Seq), "held_email", o.held.Email, "held_at", o.held.At, "got_email", o.in.Email, "got_at", o.in.At)
		}
	}
	if len(stored) > 0 {
		x.o.OnStored(stored)
	}
	return nil
}
