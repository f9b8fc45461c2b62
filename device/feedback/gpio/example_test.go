package gpio_test

import (
	"fmt"

	"stampclock/device/feedback"
	"stampclock/device/feedback/gpio"
)

func ExamplePatternFor() {
	p, _ := gpio.PatternFor(feedback.StopOK)
	for _, s := range p {
		fmt.Printf("buzzer=%-5t green=%-5t red=%-5t %v\n", s.Buzzer, s.Green, s.Red, s.D)
	}
	// Output:
	// buzzer=true  green=true  red=false 100ms
	// buzzer=false green=true  red=false 100ms
	// buzzer=true  green=true  red=false 100ms
	// buzzer=false green=true  red=false 700ms
}

func ExampleOpen() {
	// On the terminal: buzzer on GPIO18, LEDs on GPIO23 (green) and GPIO24
	// (red, wired active-low).
	out, err := gpio.Open(gpio.Options{
		Buzzer:       "GPIO18",
		Green:        "GPIO23",
		Red:          "GPIO24",
		RedActiveLow: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer out.Close()
	out.Show(feedback.Event{Kind: feedback.StartOK, Name: "Jörg"}) // returns at once
}
