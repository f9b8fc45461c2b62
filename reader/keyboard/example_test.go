package keyboard_test

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"stampclock/reader"
	"stampclock/reader/keyboard"
)

// The decoder reads any io.Reader of input_event records. Here a 64-bit
// event stream is built by hand: the reader types "42" and Enter.
func ExampleDecoder() {
	var buf bytes.Buffer
	key := func(code uint16) {
		for _, value := range []int32{1, 0} { // key down, key up
			binary.Write(&buf, binary.NativeEndian, struct {
				Sec, Usec  int64
				Type, Code uint16
				Value      int32
			}{Sec: 1, Type: 1, Code: code, Value: value})
		}
	}
	key(5)  // KEY_4
	key(3)  // KEY_2
	key(28) // KEY_ENTER

	dec, err := keyboard.NewDecoder(&buf, keyboard.Options{TimevalSize: 16})
	if err != nil {
		panic(err)
	}
	line, err := dec.Next()
	fmt.Println(line.Text, reader.FormatUID(line.UID), err)
	// Output: 42 0000002A <nil>
}
