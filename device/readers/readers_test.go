package readers_test

import (
	"context"
	"flag"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/device/config"
	"stampclock/device/readers"
	"stampclock/device/readers/hardware"
	"stampclock/reader"
	"stampclock/reader/keyboard"
	"stampclock/reader/wiegand"
)

func TestKinds_NamesUniqueAndAcceptedByConfig(t *testing.T) {
	const rejected = "is not a reader"
	if _, err := config.Parse("stampd.toml", []byte("[reader]\ntype = \"magstripe\"\n")); err == nil || !strings.Contains(err.Error(), rejected) {
		t.Fatalf("config with an unknown reader: %v; want %q", err, rejected)
	}
	seen := map[string]bool{}
	for _, k := range readers.All() {
		if seen[k.Name] {
			t.Errorf("reader kind %q listed twice", k.Name)
		}
		seen[k.Name] = true
		if k.Section == nil || k.Section() == nil {
			t.Errorf("reader kind %q has no section", k.Name)
		} else if _, err := hardware.Opener(k.Name, k.Section(), slog.New(slog.DiscardHandler)); err != nil && strings.Contains(err.Error(), "no driver opens it") {
			t.Errorf("reader kind %q has no opener", k.Name)
		}
		// A kind the config does not know fails as not a reader rather
		// than for a missing setting.
		_, err := config.Parse("stampd.toml", []byte("[reader]\ntype = \""+k.Name+"\"\n"))
		if err != nil && strings.Contains(err.Error(), rejected) {
			t.Errorf("config rejects listed reader kind %q: %v", k.Name, err)
		}
	}
}

// A kind's section opens its reader itself, or the kind names the driver
// that does (and device/readers/hardware opens through it): never both,
// never neither.
func TestKinds_SectionOpensItselfOrKindNamesDriver(t *testing.T) {
	for _, k := range readers.All() {
		_, opens := k.Section().(reader.Opener)
		switch {
		case opens && k.Driver != "":
			t.Errorf("reader kind %q: section opens itself and driver %s is named too", k.Name, k.Driver)
		case !opens && k.Driver == "":
			t.Errorf("reader kind %q: section %T does not open itself and no Driver is named", k.Name, k.Section())
		}
	}
}

func TestOpener_UnknownTypeNamesKeyAndValue(t *testing.T) {
	_, err := hardware.Opener("magstripe", nil, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "reader.type") || !strings.Contains(err.Error(), `"magstripe"`) {
		t.Fatalf("Opener(magstripe) = %v; want reader.type and the value named", err)
	}
}

func TestOpener_SimOpensASimulator(t *testing.T) {
	open, err := hardware.Opener("sim", nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	src, err := open()
	if err != nil {
		t.Fatal(err)
	}
	sim, ok := src.(*reader.Sim)
	if !ok {
		t.Fatalf("sim opened %T, want *reader.Sim", src)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out := make(chan reader.Tap, 1)
	go sim.Run(ctx, out)
	if err := sim.Inject(ctx, reader.Tap{UID: []byte{1, 2, 3, 4}}); err != nil {
		t.Fatal(err)
	}
	if tap := <-out; tap.UIDString() != "01020304" {
		t.Fatalf("tap %s, want 01020304", tap.UIDString())
	}
}

func TestOpener_OpenErrorNamesKeyAndDevice(t *testing.T) {
	dev := filepath.Join(t.TempDir(), "no-such-event-kbd")
	open, err := hardware.Opener("keyboard", &keyboard.Config{Device: dev}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	src, err := open()
	if err == nil || src != nil {
		t.Fatalf("open of a missing device = %v, %v; want no source and an error", src, err)
	}
	if !strings.HasPrefix(err.Error(), "reader.keyboard: ") || !strings.Contains(err.Error(), dev) {
		t.Fatalf("open error %q; want the key reader.keyboard and the device named", err)
	}
}

func TestOpener_BadWiegandFormatNamesKey(t *testing.T) {
	_, err := hardware.Opener("wiegand", &wiegand.Config{Formats: []string{"no-such-format"}}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "reader.wiegand.formats") {
		t.Fatalf("Opener(wiegand, bad format) = %v; want reader.wiegand.formats named", err)
	}
}

// Each kind says how its cards show a UID, as the readers' cards print
// them: EM4100 readers the decimal and the 26-bit pair, wiegand its
// facility and card, MIFARE readers and the simulator the UID itself.
func TestPrinted_EachKindShowsItsCardsNumbers(t *testing.T) {
	for _, c := range []struct{ typ, uid, want string }{
		{"rdm6300", "010784F221", "0126153249  132,61985"},
		{"keyboard", "0784F221", "0126153249  132,61985"},
		{"keyboard", "04A1B2C3D4E5F6", ""},
		{"wiegand", "45320488", "17714,1160"},
	} {
		show := readers.Printed(c.typ)
		if show == nil {
			t.Errorf("%s: no printed form", c.typ)
		} else if got := show(c.uid); got != c.want {
			t.Errorf("%s %s shown as %q, want %q", c.typ, c.uid, got, c.want)
		}
	}
	for _, typ := range []string{"mfrc522", "pn532", "sim", "", "magstripe"} {
		if readers.Printed(typ) != nil {
			t.Errorf("%q: cards print the UID itself, want no conversion", typ)
		}
	}
	for _, k := range readers.All() {
		if k.Printed != nil && k.Printed("not hex") != "" {
			t.Errorf("%s: a bad UID shown as %q", k.Name, k.Printed("not hex"))
		}
	}
}

// The kinds that take injected taps open a source that takes them, and
// only they may replay a script; the default reader is the list's first
// (the simulator), what the config selects without reader.type.
func TestKinds_InjectedTakeTapsAndScripts(t *testing.T) {
	if got := readers.Injecting(); len(got) != 1 || got[0] != `"sim"` {
		t.Errorf("Injecting() = %v, want [\"sim\"]", got)
	}
	cfg, err := config.Parse("stampd.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := readers.Default(); cfg.Reader.Type != d.Name || !d.Injected {
		t.Errorf("default reader %q, config selects %q; want the simulator", d.Name, cfg.Reader.Type)
	}
	script := filepath.Join(t.TempDir(), "taps")
	for _, k := range readers.All() {
		_, err := config.Parse("stampd.toml", []byte("[reader]\ntype = \""+k.Name+"\"\nscript = \""+script+"\"\n"))
		// A kind with required keys fails for those first.
		refused := err != nil && (strings.Contains(err.Error(), `reader.script: only the "sim" reader replays scripts`) || strings.Contains(err.Error(), "reader."+k.Name+"."))
		if refused == k.Injected || (config.Reader{Type: k.Name}).Injected() != k.Injected {
			t.Errorf("reader %s (injected %v) with a script: %v", k.Name, k.Injected, err)
		}
		if !k.Injected {
			continue
		}
		open, err := hardware.Opener(k.Name, nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		src, err := open()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := src.(interface {
			Inject(context.Context, reader.Tap) error
		}); !ok {
			t.Errorf("reader %s takes injected taps but opens %T, which does not", k.Name, src)
		}
	}
}

// Each kind names the device files its reader opens, by key, with the
// driver's defaults, as `stampctl check` checks them.
func TestKinds_FilesAreTheDevicesTheReaderOpens(t *testing.T) {
	load := func(text string) *config.Config {
		t.Helper()
		cfg, err := config.Parse("stampd.toml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	for _, c := range []struct {
		conf string
		want map[string]reader.File
	}{
		{"", nil},
		{"[reader]\ntype = \"mfrc522\"\n", map[string]reader.File{"reader.mfrc522.spi_port": {Path: "/dev/spidev0.0", Write: true}}},
		{"[reader]\ntype = \"mfrc522\"\n[reader.mfrc522]\nspi_port = \"/dev/spidev1.2\"\n", map[string]reader.File{"reader.mfrc522.spi_port": {Path: "/dev/spidev1.2", Write: true}}},
		{"[reader]\ntype = \"wiegand\"\n[reader.wiegand]\nd0 = 5\nd1 = 6\n", map[string]reader.File{"reader.wiegand.chip": {Path: "/dev/gpiochip0"}}},
		{"[reader]\ntype = \"wiegand\"\n[reader.wiegand]\nchip = \"gpiochip4\"\nd0 = 5\nd1 = 6\n", map[string]reader.File{"reader.wiegand.chip": {Path: "/dev/gpiochip4"}}},
		{"[reader]\ntype = \"keyboard\"\n[reader.keyboard]\ndevice = \"/dev/input/by-id/usb-rfid-event-kbd\"\n", map[string]reader.File{"reader.keyboard.device": {Path: "/dev/input/by-id/usb-rfid-event-kbd"}}},
		{"[reader]\ntype = \"rdm6300\"\n", map[string]reader.File{"reader.rdm6300.device": {Path: "/dev/serial0", Write: true}}},
		{"[reader]\ntype = \"pn532\"\n[reader.pn532]\ninterface = \"hsu\"\n", map[string]reader.File{"reader.pn532.device": {Path: "/dev/serial0", Write: true}}},
		{"[reader]\ntype = \"pn532\"\n[reader.pn532]\ni2c_bus = \"I2C3\"\n", map[string]reader.File{"reader.pn532.i2c_bus": {Path: "/dev/i2c-3", Write: true}}},
	} {
		got := load(c.conf).Reader.Files()
		if len(got) != len(c.want) {
			t.Errorf("%q: files %v, want %v", c.conf, got, c.want)
		}
		for k, f := range c.want {
			if got[k] != f {
				t.Errorf("%q: %s = %+v, want %+v", c.conf, k, got[k], f)
			}
		}
	}
	// Every kind's keys are its own.
	for _, k := range readers.All() {
		for key := range k.Section().Files() {
			if !strings.HasPrefix(key, "reader."+k.Name+".") {
				t.Errorf("reader kind %s names file key %s", k.Name, key)
			}
		}
	}
}

// The kinds' capture decoders register their options on one flag set
// (`stampctl reader decode`), so none may take another's flag name.
func TestKinds_DecoderFlagsApart(t *testing.T) {
	fs := flag.NewFlagSet("reader decode", flag.ContinueOnError)
	n := 0
	for _, k := range readers.All() {
		if k.Decoder == nil {
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("reader kind %s: decoder flags: %v", k.Name, r)
				}
			}()
			if k.Decoder(fs) == nil {
				t.Errorf("reader kind %s: no decoder", k.Name)
			}
		}()
		n++
	}
	if n == 0 {
		t.Error("no kind decodes captures")
	}
}
