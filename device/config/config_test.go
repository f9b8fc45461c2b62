package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"stampclock/uplink/mqtt"
	"stampclock/uplink/zeiterfassung"
)

const minimal = `
[device]
id = "t1"
[store]
path = "/tmp/q.db"
`

func writeSecret(t *testing.T, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte("s3cret\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParse_DefaultsAndBadges(t *testing.T) {
	c, err := Parse("a.toml", []byte(minimal+`
[[badge]]
uid = "04:a1:b2:c3"
email = "maier@example.com"
name = "Maier"
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Reader.Type != "sim" || c.Control.Socket != DefaultSocket || c.Punch.RepeatWindow.Duration != time.Minute ||
		c.Punch.MaxShift.Duration != 16*time.Hour || c.Location.String() != "Europe/Berlin" || zeitOf(c).Enabled() {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Badges[0].UID != "04A1B2C3" {
		t.Fatalf("uid not normalised: %q", c.Badges[0].UID)
	}
}

func TestParse_ZeiterfassungWithPasswordFile(t *testing.T) {
	pw := writeSecret(t, 0o600)
	c, err := Parse("a.toml", []byte(minimal+`
[punch]
timezone = "America/New_York"
repeat_window = "30s"
max_shift = "12h"
[zeiterfassung]
url = "https://zeit.example.com"
email = "admin@example.com"
password_file = "`+pw+`"
timetype_id = "56941eee"
`))
	if err != nil {
		t.Fatal(err)
	}
	if zeitOf(c).Password != "s3cret" || c.Punch.RepeatWindow.Duration != 30*time.Second || c.Location.String() != "America/New_York" {
		t.Fatalf("config: %+v", c)
	}
}

func TestParse_Errors(t *testing.T) {
	loose := writeSecret(t, 0o644)
	zeit := func(extra string) string {
		return minimal + "[zeiterfassung]\nurl = \"https://z.example.com\"\nemail = \"a@example.com\"\ntimetype_id = \"x\"\n" + extra
	}
	tests := []struct {
		name, toml, want string
	}{
		{"UnknownKey", minimal + "[punch]\nrepeat_windw = \"5s\"\n", "unknown key punch.repeat_windw"},
		{"UnknownSection", minimal + "[punsh]\nx = 1\n", "unknown key punsh"},
		{"BadDuration", minimal + "[punch]\nmax_shift = \"16 hours\"\n", `"16 hours"`},
		{"BadTimezone", minimal + "[punch]\ntimezone = \"Mars/Olympus\"\n", "punch.timezone"},
		{"WindowLongerThanShift", minimal + "[punch]\nrepeat_window = \"20h\"\n", "punch.repeat_window"},
		{"BadReader", minimal + "[reader]\ntype = \"magic\"\n", "reader.type"},
		{"BadUID", minimal + "[[badge]]\nuid = \"XYZ\"\nemail = \"a@b.c\"\n", "badge[0].uid"},
		{"BadEmail", minimal + "[[badge]]\nuid = \"0102\"\nemail = \"nobody\"\n", "badge[0].email"},
		{"DuplicateUID", minimal + "[[badge]]\nuid = \"0102\"\nemail = \"a@b.c\"\n[[badge]]\nuid = \"01:02\"\nemail = \"d@b.c\"\n", "already badge[0]"},
		{"Syntax", minimal + "[punch\n", "line"},
		{"HTTPNotAllowed", strings.Replace(zeit("password = \"x\"\n"), "https://", "http://", 1), "allow_http"},
		{"NoPassword", zeit(""), "password_file: required"},
		{"PasswordFileMissing", zeit("password_file = \"/nonexistent/pw\"\n"), "/nonexistent/pw"},
		{"PasswordFileWorldReadable", zeit("password_file = \"" + loose + "\"\n"), "chmod 640 "},
		{"NoTimeType", strings.Replace(zeit("password = \"x\"\n"), "timetype_id = \"x\"\n", "", 1), "timetype_id: required"},
		{"BadLogLevel", minimal + "[log]\nlevel = \"loud\"\n", "log.level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("/etc/stampclock/stampd.toml", []byte(tt.toml))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "/etc/stampclock/stampd.toml") {
				t.Fatalf("error %q: want it to name the file and contain %q", err, tt.want)
			}
		})
	}
}

func TestLoad_MissingFileNamesIt(t *testing.T) {
	_, err := Load("/nonexistent/stampd.toml")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/stampd.toml") {
		t.Fatalf("err = %v", err)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	data, err := os.ReadFile("../../deploy/stampd.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	pw := writeSecret(t, 0o600)
	data = []byte(strings.Replace(string(data), "/etc/stampclock/zeiterfassung.secret", pw, 1))
	data = []byte(strings.Replace(string(data), "/etc/stampclock/mqtt.secret", pw, 1))
	c, err := Parse("stampd.example.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Badges) == 0 {
		t.Fatal("example config shows no badge")
	}
	if !mqtt.Of(c.Uplinks).Enabled() || mqtt.Of(c.Uplinks).Password != "s3cret" {
		t.Fatalf("example config: mqtt %+v", mqtt.Of(c.Uplinks))
	}
	// Every key of every section is documented in the example, set or
	// commented out as "# key = ".
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		t.Fatal(err)
	}
	checkDocumented(t, string(data), reflect.TypeFor[Config](), raw, "")
}

// checkDocumented fails for every toml key of typ that is neither set in
// raw nor shown commented out in the example text.
func checkDocumented(t *testing.T, text string, typ reflect.Type, raw map[string]any, prefix string) {
	t.Helper()
	for i := range typ.NumField() {
		f := typ.Field(i)
		key := f.Tag.Get("toml")
		if key == "" || key == "-" {
			continue
		}
		v, set := raw[key]
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Duration]() {
			sub, _ := v.(map[string]any)
			checkDocumented(t, text, ft, sub, prefix+key+".")
			continue
		}
		if !set && !strings.Contains(text, "# "+key+" = ") {
			t.Errorf("%s%s is not in deploy/stampd.example.toml", prefix, key)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte("[punch]\nrepeat_window = \"5s\"\n[[badge]]\nuid=\"01\"\nemail=\"a@b\"\n"))
	f.Add([]byte("[zeiterfassung]\nurl = \"https://x\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if err == nil && c.Location == nil {
			t.Fatal("valid config without a location")
		}
	})
}

func TestParse_MQTTDefaultsAndSecrets(t *testing.T) {
	pw := writeSecret(t, 0o600)
	c, err := Parse("a.toml", []byte(minimal+`
[mqtt]
urls = ["tcp://127.0.0.1:1883", "wss://broker.example.com:443/mqtt"]
username = "t1"
password_file = "`+pw+`"
`))
	if err != nil {
		t.Fatal(err)
	}
	m := mqtt.Of(c.Uplinks)
	if !m.Enabled() || m.ClientID != "t1" || m.TopicPrefix != "stampclock" || m.QoS != 1 || m.KeepAlive.Duration != 30*time.Second ||
		m.StatusInterval.Duration != time.Minute || m.Window != 256 || m.Password != "s3cret" ||
		m.Delivered != "broker" || m.ConsumerAckTimeout.Duration != time.Minute {
		t.Fatalf("mqtt = %+v", m)
	}
	c, err = Parse("a.toml", []byte(minimal))
	if err != nil || mqtt.Of(c.Uplinks).Enabled() {
		t.Fatalf("mqtt enabled without urls: %+v %v", mqtt.Of(c.Uplinks), err)
	}
}

func TestParse_MQTTErrors(t *testing.T) {
	loose := writeSecret(t, 0o644)
	mq := func(extra string) string { return minimal + "[mqtt]\nurls = [\"tcp://b.example.com:1883\"]\n" + extra }
	tests := []struct{ name, toml, want string }{
		{"UnknownKey", mq("qso = 1\n"), "unknown key mqtt.qso"},
		{"BadScheme", minimal + "[mqtt]\nurls = [\"http://b:1883\"]\n", "mqtt.urls[0]"},
		{"NoPort", minimal + "[mqtt]\nurls = [\"ssl://b\"]\n", "no port"},
		{"CredentialsInURL", minimal + "[mqtt]\nurls = [\"tcp://u:hunter2@b:1883\"]\n", "carries credentials"},
		{"QoS0", mq("qos = 3\n"), "mqtt.qos"},
		{"Window", mq("window = 5000\n"), "mqtt.window"},
		{"BadPrefix", mq("topic_prefix = \"a/#\"\n"), "mqtt.topic_prefix"},
		{"BothPasswords", mq("username = \"u\"\npassword = \"x\"\npassword_file = \"/x\"\n"), "set only one"},
		{"PasswordFileWorldReadable", mq("username = \"u\"\npassword_file = \"" + loose + "\"\n"), "chmod 640 "},
		{"PasswordWithoutUser", mq("password = \"x\"\n"), "mqtt.username"},
		{"CertWithoutKey", mq("cert_file = \"/etc/hostname\"\n"), "set both"},
		{"MissingCA", mq("ca_file = \"/nonexistent/ca.pem\"\n"), "mqtt.ca_file"},
		{"KeyWorldReadable", mq("cert_file = \"" + loose + "\"\nkey_file = \"" + loose + "\"\n"), "mqtt.key_file"},
		{"DeviceIDWildcard", strings.Replace(mq(""), `id = "t1"`, `id = "t/1"`, 1), "device.id"},
		{"ShortKeepalive", mq("keepalive = \"10ms\"\n"), "mqtt.keepalive"},
		{"RemoteCommands", mq("remote_commands = \"root\"\n"), "mqtt.remote_commands: \"root\"; want \"viewer\""},
		{"Delivered", mq("delivered = \"subscriber\"\n"), "mqtt.delivered: \"subscriber\"; want \"broker\""},
		{"ShortConsumerAckTimeout", mq("delivered = \"consumer\"\nconsumer_ack_timeout = \"5ms\"\n"), "mqtt.consumer_ack_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("a.toml", []byte(tt.toml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("password in error: %v", err)
			}
		})
	}
}

func TestReaderExamplesAreValid(t *testing.T) {
	files, err := filepath.Glob("../../deploy/examples/reader-*.toml")
	if err != nil || len(files) != 4 {
		t.Fatalf("examples: %v %v", files, err)
	}
	pw := writeSecret(t, 0o600)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.Replace(string(data), "/etc/stampclock/zeiterfassung.secret", pw, 1))
		c, err := Parse(f, data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !strings.Contains(f, c.Reader.Type) {
			t.Errorf("%s configures reader %q", f, c.Reader.Type)
		}
	}
}

func TestParse_ReaderErrors(t *testing.T) {
	for _, tt := range []struct{ toml, want string }{
		{"[reader]\ntype = \"wiegand\"\n", "reader.wiegand.d0 and reader.wiegand.d1: required"},
		{"[reader]\ntype = \"wiegand\"\n[reader.wiegand]\nd0 = 4\nd1 = 4\n", "two different line offsets"},
		{"[reader]\ntype = \"wiegand\"\n[reader.wiegand]\nd0 = 4\nd1 = 5\nformats = [\"h99\"]\n", "reader.wiegand.formats"},
		{"[reader]\ntype = \"rdm6300\"\n[reader.rdm6300]\nuid_bytes = 3\n", "reader.rdm6300.uid_bytes: 3"},
		{"[reader]\ntype = \"rdm6300\"\n[reader.rdm6300]\nbaud = 1200\n", "reader.rdm6300.baud: 1200"},
		{"[reader]\ntype = \"wiegand\"\n[reader.wiegand]\nd0 = 4\nd1 = 5\nformats = [\"h10306\"]\ncustom = [\"name=m34 bits=34 data=1:32\"]\n", "both have 34 bits"},
		{"[reader]\ntype = \"wiegand\"\n[reader.wiegand]\nd0 = 4\nd1 = 5\ncustom = [\"name=m34 bits=34 data=1:40\"]\n", "reader.wiegand.formats/custom/raw_bits: wiegand: custom layout"},
		{"[reader]\ntype = \"keyboard\"\n", "reader.keyboard.device: required"},
		{"[reader]\ntype = \"keyboard\"\n[reader.keyboard]\ndevice = \"/dev/x\"\nlayout = \"fr\"\n", "reader.keyboard.layout"},
		{"[reader]\ntype = \"mfrc522\"\n[reader.mfrc522]\nspi_speed_hz = 20000000\n", "reader.mfrc522.spi_speed_hz"},
		{"[reader]\ntype = \"mfrc522\"\n[reader.mfrc522]\npoll_interval = \"1ms\"\n", "reader.mfrc522.poll_interval"},
		{"[feedback.display]\nlanguage = \"fr\"\n", "feedback.display.language"},
	} {
		if _, err := Parse("r.toml", []byte(minimal+tt.toml)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.toml, err, tt.want)
		}
	}
}

// zeitOf returns c's [zeiterfassung] section, an uplink of the list.
func zeitOf(c *Config) *zeiterfassung.Config {
	return c.Uplinks[zeiterfassung.Name].(*zeiterfassung.Config)
}
