package display_test

import (
	"fmt"
	"time"

	"stampclock/device/feedback"
	"stampclock/device/feedback/display"
)

func ExampleRender() {
	at := time.Date(2025, 7, 1, 7, 5, 0, 0, time.UTC)
	img := display.Render(feedback.Event{Kind: feedback.StartOK, Name: "Jörg", At: at}, time.UTC, display.English)
	// Print the big "IN" in the middle of the status band (German: KOMMEN).
	for y := 1; y < 15; y += 2 {
		for x := 53; x < 75; x += 2 {
			if img.BitAt(x, y) {
				fmt.Print("#")
			} else {
				fmt.Print(".")
			}
		}
		fmt.Println()
	}
	// Output:
	// .###..#...#
	// ..#...#...#
	// ..#...##..#
	// ..#...#.#.#
	// ..#...#..##
	// ..#...#...#
	// .###..#...#
}

func ExampleOpen() {
	// On the terminal: the panel on I²C bus 1, times in Berlin time.
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := display.Open(display.Options{Bus: "1", Location: loc, Lang: display.German})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer out.Close()
	out.Show(feedback.Event{Kind: feedback.StartOK, Name: "Jörg Müller", At: time.Now()}) // returns at once
}
