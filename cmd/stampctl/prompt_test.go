package main

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"

	"stampclock/uplink"
)

// A technician at init's questions: an empty answer to a required one
// asks again (it ended init before), Ctrl-D cancels (it took the default
// before, then asked the next question), a bad answer is refused and
// asked again.
func TestPrompterAsk_Mistakes(t *testing.T) {
	validURL := func(v string) error {
		return uplink.CheckURL("zeiterfassung", v, false)
	}
	for _, tc := range []struct {
		name, input, def string
		want             string
		wantErr          error
		wantOut          string
	}{
		{name: "empty answer asks again", input: "\n\nhttps://zeit.example.com\n", want: "https://zeit.example.com", wantOut: "an answer is needed (--url)"},
		{name: "bad answer refused, asked again", input: "zeit example\nhttps://zeit.example.com\n", want: "https://zeit.example.com", wantOut: "is not a URL"},
		{name: "Ctrl-D cancels", input: "", wantErr: errCancelled},
		{name: "Ctrl-D after empty answers cancels", input: "\n\n", wantErr: errCancelled},
		{name: "Ctrl-D where a default is offered cancels", input: "", def: "https://api.example.com", wantErr: errCancelled},
		{name: "Enter takes the default", input: "\n", def: "https://api.example.com", want: "https://api.example.com"},
		{name: "last line without newline is an answer", input: "https://zeit.example.com", want: "https://zeit.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &prompter{in: bufio.NewReader(strings.NewReader(tc.input)), out: &out, isTTY: true}
			got, err := p.ask("", "url", "Zeiterfassung URL", tc.def, false, validURL)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("ask = %q, %v; want %q, %v\noutput:\n%s", got, err, tc.want, tc.wantErr, out.String())
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("output lacks %q:\n%s", tc.wantOut, out.String())
			}
		})
	}
}
