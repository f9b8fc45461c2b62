package pn532_test

import (
	"context"
	"fmt"
	"time"

	"stampclock/reader"
	"stampclock/reader/pn532"
	"stampclock/reader/pn532/pn532test"
)

// On a Pi use pn532.Open(pn532.Options{}) for I²C bus 1; here a virtual
// chip stands in for the module.
func Example() {
	chip := pn532test.New()
	r, err := pn532.NewI2C(chip.I2C(), pn532.Options{PollInterval: 5 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	taps := make(chan reader.Tap)
	go r.Run(ctx, taps)

	_ = chip.Present(pn532test.Card{UID: []byte{0x04, 0x52, 0x1A, 0x92, 0x3C, 0x5E, 0x80}})
	tap := <-taps
	fmt.Println(tap.Source, tap.UIDString())
	// Output: pn532 04521A923C5E80
}
