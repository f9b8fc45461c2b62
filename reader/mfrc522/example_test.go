package mfrc522_test

import (
	"context"
	"fmt"
	"time"

	"stampclock/reader"
	"stampclock/reader/mfrc522"
	"stampclock/reader/mfrc522/mfrc522test"
)

// On a Pi use mfrc522.Open(mfrc522.Options{IRQPin: "GPIO24"}); here a
// virtual chip stands in for the hardware.
func Example() {
	chip := mfrc522test.New()
	r, err := mfrc522.New(chip, chip.Reset(), nil, mfrc522.Options{PollInterval: 5 * time.Millisecond, ResetDelay: time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	taps := make(chan reader.Tap)
	go r.Run(ctx, taps)

	_ = chip.Present(mfrc522test.Card{UID: []byte{0x04, 0x52, 0x1A, 0x92, 0x3C, 0x5E, 0x80}})
	tap := <-taps
	fmt.Println(tap.Source, tap.UIDString())
	// Output: mfrc522 04521A923C5E80
}
