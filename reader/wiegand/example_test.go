package wiegand_test

import (
	"fmt"

	"stampclock/reader"
	"stampclock/reader/wiegand"
	"stampclock/reader/wiegand/wiegandtest"
)

// The decoder runs without hardware: feed it edge events (here generated,
// on a Raspberry Pi delivered by gpiocdev) and flush after the gap.
func ExampleDecoder() {
	dec, err := wiegand.NewDecoder(wiegand.Options{D0: 17, D1: 27})
	if err != nil {
		panic(err)
	}
	g := wiegandtest.New(wiegandtest.Options{D0: 17, D1: 27})
	for _, ev := range g.Frame(wiegandtest.H10301(42, 1234)) {
		dec.Feed(ev)
	}
	f, _, err := dec.Flush()
	fmt.Println(f.Format, f.Facility, f.Card, reader.FormatUID(f.UID), err)
	// Output: h10301 42 1234 2A04D2 <nil>
}
