package sitetaps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/queue"
)

// publishOwn publishes the own taps the broker has not confirmed, in seq
// order, then retains the head; the store remembers what was confirmed.
func (x *Exchange) publishOwn(ctx context.Context, pc paho.Client) error {
	for ctx.Err() == nil {
		var own queue.SiteTapOrigin
		var todo []queue.SiteTap
		if err := x.store.View(func(tx *queue.Tx) error {
			var err error
			if own, err = tx.SiteTapOrigin(x.o.DeviceID); err != nil || own.Published >= own.Highest {
				return err
			}
			return tx.EachSiteTapOf(x.o.DeviceID, own.Published+1, own.Highest, func(st queue.SiteTap) bool {
				todo = append(todo, st)
				return len(todo) < maxGroup
			})
		}); err != nil {
			return err
		}
		x.mu.Lock()
		newHead := x.newHead
		x.newHead = false
		x.mu.Unlock()
		if len(todo) == 0 {
			if newHead && own.Published > 0 {
				if err := x.publishHead(pc, own.Published); err != nil {
					x.mu.Lock()
					x.newHead = true
					x.mu.Unlock()
					return err
				}
			}
			return nil
		}
		n, err := x.publishTaps(pc, todo)
		if n > 0 {
			last := todo[n-1].Seq
			if _, uerr := x.store.Update(func(tx *queue.Tx) error { return tx.MarkSiteTapsPublished(x.o.DeviceID, last) }); uerr != nil {
				return errors.Join(err, uerr)
			}
			x.mu.Lock()
			x.st.Published += uint64(n)
			x.mu.Unlock()
			if herr := x.publishHead(pc, last); herr != nil {
				x.mu.Lock()
				x.newHead = true
				x.mu.Unlock()
				err = errors.Join(err, herr)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// publishTaps publishes taps (of this terminal) at QoS 1 and returns how
// many, from the first, the broker confirmed.
func (x *Exchange) publishTaps(pc paho.Client, taps []queue.SiteTap) (int, error) {
	toks := make([]paho.Token, len(taps))
	for i, st := range taps {
		payload, _ := json.Marshal(Tap{SiteTap: st, Key: Key(st.Origin, st.Seq)}) // plain fields
		toks[i] = pc.Publish(x.TapsTopic(st.Origin), 1, false, payload)
	}
	for i, tok := range toks {
		if !tok.WaitTimeout(x.o.AckTimeout) {
			return i, fmt.Errorf("tap %s: no PUBACK within %s", Key(taps[i].Origin, taps[i].Seq), x.o.AckTimeout)
		}
		if err := tok.Error(); err != nil {
			return i, fmt.Errorf("tap %s: %w", Key(taps[i].Origin, taps[i].Seq), err)
		}
	}
	return len(taps), nil
}

func (x *Exchange) publishHead(pc paho.Client, seq uint64) error {
	h := Head{Origin: x.o.DeviceID, Seq: seq}
	if err := x.store.View(func(tx *queue.Tx) error {
		st, ok, err := tx.SiteTap(x.o.DeviceID, seq)
		if ok {
			h.At = st.At
		}
		if err != nil {
			return err
		}
		return tx.EachSiteTapOf(x.o.DeviceID, 1, seq, func(first queue.SiteTap) bool {
			if first.Seq > 1 {
				h.First = first.Seq
			}
			return false
		})
	}); err != nil {
		return err
	}
	payload, _ := json.Marshal(h) // plain fields
	tok := pc.Publish(x.HeadTopic(x.o.DeviceID), 1, true, payload)
	if !tok.WaitTimeout(x.o.AckTimeout) {
		return errors.New("head: no PUBACK")
	}
	return tok.Error()
}

// serveReplay publishes again the own taps peers asked for (the merged
// requests), up to what the broker confirmed before.
func (x *Exchange) serveReplay(ctx context.Context, pc paho.Client) {
	x.mu.Lock()
	r := x.replay
	x.replay = nil
	x.mu.Unlock()
	if r == nil || ctx.Err() != nil {
		return
	}
	var taps []queue.SiteTap
	var rest *Replay
	if err := x.store.View(func(tx *queue.Tx) error {
		own, err := tx.SiteTapOrigin(x.o.DeviceID)
		if err != nil {
			return err
		}
		to := min(r.To, own.Published)
		return tx.EachSiteTapOf(x.o.DeviceID, r.From, to, func(st queue.SiteTap) bool {
			if len(taps) == x.o.MaxReplay {
				rest = &Replay{From: st.Seq, To: to, By: r.By}
				return false
			}
			taps = append(taps, st)
			return true
		})
	}); err != nil {
		x.log.Warn("replay not read; asked again later by the peer", "err", err)
		return
	}
	n, err := x.publishTaps(pc, taps)
	x.mu.Lock()
	x.st.ReplaysAnswered += uint64(n)
	if err != nil {
		rest = &Replay{From: r.From, To: r.To, By: r.By}
		if n > 0 {
			rest.From = taps[n-1].Seq + 1
		}
	}
	if rest != nil {
		x.replay = mergeReplay(x.replay, *rest)
	}
	x.mu.Unlock()
	if err != nil {
		x.log.Warn("replay not all published; trying again", "err", err)
	}
	if rest != nil {
		x.Kick()
	}
	if n > 0 {
		x.log.Info("taps published again for a peer", "by", r.By, "from", taps[0].Seq, "to", taps[n-1].Seq)
	}
}

func mergeReplay(r *Replay, in Replay) *Replay {
	if r == nil {
		return &in
	}
	out := Replay{From: min(r.From, in.From), To: max(r.To, in.To), By: r.By}
	if in.By != r.By {
		out.By = r.By + "," + in.By
	}
	return &out
}

// askReplays asks each origin that is behind (a head above what is held,
// or a gap) for the missing taps, once it was behind for ReplayWait and at
// most once per ReplayWait.
func (x *Exchange) askReplays(pc paho.Client) {
	var origins []queue.SiteTapOrigin
	if err := x.store.View(func(tx *queue.Tx) error {
		var err error
		origins, err = tx.SiteTapOrigins()
		return err
	}); err != nil {
		x.log.Warn("site taps not read", "err", err)
		return
	}
	held := map[string]queue.SiteTapOrigin{}
	for _, o := range origins {
		held[o.Origin] = o
	}
	// Taps an origin pruned are asked of nobody: the watermark passes
	// them.
	x.mu.Lock()
	var skip []queue.SiteTapOrigin
	for origin, first := range x.firsts {
		if o := held[origin]; origin != x.o.DeviceID && first > o.Contiguous+1 {
			skip = append(skip, queue.SiteTapOrigin{Origin: origin, Contiguous: first - 1})
		}
	}
	x.mu.Unlock()
	for _, sk := range skip {
		var o queue.SiteTapOrigin
		if _, err := x.store.Update(func(tx *queue.Tx) (err error) {
			o, err = tx.SkipSiteTapsBelow(sk.Origin, sk.Contiguous+1)
			return err
		}); err != nil {
			x.log.Warn("site taps not updated", "err", err)
			return
		}
		held[sk.Origin] = o
		x.log.Warn("a peer no longer holds its old taps; they are skipped here", "origin", sk.Origin, "below", sk.Contiguous+1)
	}
	wait := max(1, uint64((x.o.ReplayWait+x.o.Poll-1)/x.o.Poll)) // in ticks
	type ask struct {
		origin string
		r      Replay
	}
	var asks []ask
	x.mu.Lock()
	now := x.ticks
	names := map[string]bool{}
	for o := range x.heads {
		names[o] = true
	}
	for o := range held {
		names[o] = true
	}
	for origin := range names {
		if origin == x.o.DeviceID {
			continue
		}
		o := held[origin]
		target := max(x.heads[origin], o.Highest)
		if target <= o.Contiguous {
			delete(x.behind, origin)
			continue
		}
		since, ok := x.behind[origin]
		if !ok {
			x.behind[origin] = now
			continue
		}
		if last, ok := x.asked[origin]; now-since < wait || (ok && now-last < wait) {
			continue
		}
		x.asked[origin] = now
		from := o.Contiguous + 1
		asks = append(asks, ask{origin, Replay{From: from, To: min(target, from+uint64(x.o.MaxReplay)-1), By: x.o.DeviceID}})
	}
	x.mu.Unlock()
	for _, a := range asks {
		payload, _ := json.Marshal(a.r) // plain fields
		tok := pc.Publish(x.ReplayTopic(a.origin), 1, false, payload)
		if !tok.WaitTimeout(x.o.AckTimeout) || tok.Error() != nil {
			x.log.Warn("replay request not confirmed; asked again later", "origin", a.origin, "err", tok.Error())
			continue
		}
		x.mu.Lock()
		x.st.ReplaysAsked++
		x.mu.Unlock()
		x.log.Info("asked a peer for missing taps", "origin", a.origin, "from", a.r.From, "to", a.r.To)
	}
}
