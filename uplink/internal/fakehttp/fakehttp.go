// Package fakehttp holds what the uplinks' fake servers (zeittest,
// blikktest, flowtlytest) share to inject faults: an answer that is delayed,
// a connection closed without an answer, and JSON answers.
package fakehttp

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Recorder wraps a ResponseWriter: it notes the status of the answer and
// holds the answer back by a delay (a slow server; the work is done first).
type Recorder struct {
	http.ResponseWriter
	ctx   context.Context
	delay time.Duration
	// Status is the answer's status, 0 until one was written.
	Status int
}

// NewRecorder wraps w for the request r, delaying the answer by delay.
func NewRecorder(w http.ResponseWriter, r *http.Request, delay time.Duration) *Recorder {
	return &Recorder{ResponseWriter: w, ctx: r.Context(), delay: delay}
}

// WriteHeader waits out the delay (or the request's end), then answers.
func (rw *Recorder) WriteHeader(code int) {
	if rw.Status != 0 {
		return
	}
	rw.Status = code
	if rw.delay > 0 {
		t := time.NewTimer(rw.delay)
		select {
		case <-t.C:
		case <-rw.ctx.Done():
			t.Stop()
		}
	}
	rw.ResponseWriter.WriteHeader(code)
}

// Write answers 200 first if nothing was written yet.
func (rw *Recorder) Write(b []byte) (int, error) {
	if rw.Status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Hijack).
func (rw *Recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// Drop closes the request's connection without an answer: to the client,
// the request may or may not have been processed.
func Drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or a writer without a connection: abort the handler,
		// which resets the stream without an answer.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// WriteJSON answers status with v as JSON of the given content type.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(b)
}
