package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"stampclock/device/config"
	"stampclock/device/readers"
	"stampclock/internal/durable"
	"stampclock/internal/mqttopts"
	"stampclock/uplink"
	"stampclock/uplink/uplinks"
)

// Settings are what `stampctl init` asks for.
type Settings struct {
	ConfigPath string // where the config goes
	DeviceID   string
	Timezone   string
	StorePath  string
	Socket     string
	// Uplinks are the answers for each uplink set up, by its name (an
	// uplink of the list with an Init, see Kinds): its section is written
	// from them. A secret's answer is the secret itself.
	Uplinks map[string]uplink.Answers
	// SecretPaths are where the secrets go, by key ("zeiterfassung.
	// password_file"), each config.FileMode. Default: <uplink>.secret
	// beside the config (SecretPath).
	SecretPaths map[string]string
	// Force replaces a config someone edited (after a backup beside it).
	Force bool
	// PackagedPath is a copy of the config the package installed; a
	// config equal to it was never edited and is replaced without Force.
	// Default DefaultPackagedPath.
	PackagedPath string
	// Group owns the written files (config.ServiceGroup when empty; the
	// files stay in the writer's group when it does not exist).
	Group string
	// Now stamps the config's header and the backup's name. Default
	// time.Now.
	Now func() time.Time
}

// DefaultPackagedPath is where the package keeps a copy of the config it
// installs as /etc/stampclock/stampd.toml.
const DefaultPackagedPath = "/usr/share/stampclock/stampd.toml"

// ErrEdited is returned when the config was edited and Force is not set.
var ErrEdited = errors.New("the config was edited")

// Kinds returns the uplinks of the list (uplink/uplinks) that init can set
// up: those with an Init, in the list's order.
func Kinds() []uplink.Kind {
	var out []uplink.Kind
	for _, k := range uplinks.All() {
		if k.Init != nil {
			out = append(out, k)
		}
	}
	return out
}

// kindOf returns the settable uplink named name.
func kindOf(name string) (uplink.Kind, bool) {
	for _, k := range Kinds() {
		if k.Name == name {
			return k, true
		}
	}
	return uplink.Kind{}, false
}

// globals is what the uplinks' checks of an answer may use.
var globals = uplink.Globals{ValidEmail: config.ValidEmail}

// SecretPath returns where the secret of key (a secret question's key)
// of uplink name goes: a full path, as the config must name it (stampd
// does not look beside the config for a relative one), also when the
// config or the secret file was given relative to the current directory.
func (s Settings) SecretPath(name, key string) string {
	p := s.SecretPaths[name+"."+key]
	if p == "" {
		k, _ := kindOf(name)
		file := name + ".secret"
		if k.Init != nil && len(k.Init.Secrets()) > 1 {
			file = name + "." + strings.TrimSuffix(key, "_file") + ".secret"
		}
		p = filepath.Join(filepath.Dir(s.ConfigPath), file)
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// FlagError says err, which names keys of uplink k's section, with the
// init flags that set them, so a technician learns which flag to change:
// "<uplink>.<key>" becomes "--flag (<uplink>.<key>)", and a yes/no key
// set to true its flag alone.
func FlagError(k uplink.Kind, err error) error {
	msg := err.Error()
	for _, q := range k.Init.Questions {
		key, flag := k.Name+"."+q.Key, "--"+q.FlagName(k.Name)
		if q.Type == uplink.Bool {
			msg = strings.ReplaceAll(msg, key+" = true", flag)
			continue
		}
		msg = strings.ReplaceAll(msg, key, flag+" ("+key+")")
	}
	return errors.New(msg)
}

// CheckAnswer checks answer v to question q of uplink k, naming the key
// and its flag.
func CheckAnswer(k uplink.Kind, q uplink.Question, v string, a uplink.Answers) error {
	if err := q.Validate(k.Name, v, a, globals); err != nil {
		return FlagError(k, err)
	}
	return nil
}

// Validate checks the settings given so far without touching the network
// or writing any file (a CA file named is read), naming the key and the
// flag to change. Empty values are
// not errors: they are asked for, or named by the caller.
func (s Settings) Validate() error {
	for name, a := range s.Uplinks {
		k, ok := kindOf(name)
		if !ok {
			return fmt.Errorf("uplink %q: init cannot set it up; want one of %s", name, strings.Join(names(Kinds()), ", "))
		}
		for _, q := range k.Init.Questions {
			if v := a[q.Key]; v != "" && !q.Secret {
				if err := CheckAnswer(k, q, v, a); err != nil {
					return err
				}
			}
		}
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			return fmt.Errorf("--timezone %q: not an IANA time zone (like Europe/Berlin)", s.Timezone)
		}
	}
	if s.DeviceID != "" && !mqttopts.TopicLevel(s.DeviceID) {
		return fmt.Errorf("--device-id %q: may not contain '/', '+' or '#' or start with '$'", s.DeviceID)
	}
	return nil
}

// SharedHostName reports whether host is a name an operating system image
// gives every machine it is written to: terminals set up from one image
// share it unless someone renamed them.
func SharedHostName(host string) bool {
	switch strings.ToLower(host) {
	case "raspberrypi", "raspbian", "localhost", "debian", "ubuntu", "dietpi", "armbian", "orangepi":
		return true
	}
	return false
}

func names(ks []uplink.Kind) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Name)
	}
	return out
}

// Existing says what is at s.ConfigPath: nothing (""), the packaged
// config ("packaged"), or a config someone edited ("edited").
func (s Settings) Existing() (string, error) {
	cur, err := os.ReadFile(s.ConfigPath)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", s.ConfigPath, err)
	}
	p := s.PackagedPath
	if p == "" {
		p = DefaultPackagedPath
	}
	if pkg, err := os.ReadFile(p); err == nil && bytes.Equal(pkg, cur) {
		return "packaged", nil
	}
	return "edited", nil
}

// CheckReplace refuses to go on when the config was edited and Force is
// not set: called before anything is asked or written.
func (s Settings) CheckReplace() error {
	kind, err := s.Existing()
	if err != nil {
		return err
	}
	if kind == "edited" && !s.Force {
		return fmt.Errorf("%w: %s is not the packaged config; to replace it (a backup is kept beside it), add --force", ErrEdited, s.ConfigPath)
	}
	return nil
}

// Resolve proves the answers of each uplink set up that can be proven
// with its receiver before anything is written (Zeiterfassung: the login,
// and the time type's name turned into its id), and returns what each
// resolved, a line per uplink.
func Resolve(ctx context.Context, s Settings, hc *http.Client) ([]string, error) {
	var notes []string
	for _, k := range Kinds() {
		a, ok := s.Uplinks[k.Name]
		if !ok || k.Init.Resolve == nil {
			continue
		}
		note, err := k.Init.Resolve(ctx, a, hc)
		if err != nil {
			return notes, err
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	return notes, nil
}

// Explain says an uplink error once, for a person: the receiver's message
// and its HTTP status, without the layers of wrapping.
func Explain(err error) string { return uplink.Explain(err) }

// Write installs the secrets and the config (all config.FileMode, group
// config.ServiceGroup; the rule is in device/config/files.go), after
// proving the config loads with those secrets. A config someone edited is
// replaced only with Force, and then kept as a backup beside it, whose
// path is returned. Nothing is written when anything fails before.
func Write(s Settings) (backup string, err error) {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Group == "" {
		s.Group = config.ServiceGroup
	}
	kind, err := s.Existing()
	if err != nil {
		return "", err
	}
	if kind == "edited" && !s.Force {
		return "", s.CheckReplace()
	}
	owner := group{name: s.Group, gid: -1}
	if g, err := user.LookupGroup(s.Group); err == nil {
		owner.gid, _ = strconv.Atoi(g.Gid)
	}
	dir := filepath.Dir(s.ConfigPath)
	if err := durable.MkdirAll(dir, config.DirMode); err != nil {
		return "", err
	}
	// The secrets go to temporary files beside their place; the config
	// is proven to load with them before anything is renamed.
	final, trial := map[string]string{}, map[string]string{}
	for _, k := range Kinds() {
		a, ok := s.Uplinks[k.Name]
		if !ok {
			continue
		}
		for _, key := range k.Init.Secrets() {
			path := s.SecretPath(k.Name, key)
			tmp, err := writeTemp(path, []byte(a[key]+"\n"), owner)
			if err != nil {
				return "", fmt.Errorf("write %s.%s: %w", k.Name, key, err)
			}
			defer os.Remove(tmp) // a no-op once renamed
			final[k.Name+"."+key], trial[k.Name+"."+key] = path, tmp
		}
	}
	cfgTmp, err := writeTemp(s.ConfigPath, []byte(render(s, final, s.Now())), owner)
	if err != nil {
		return "", fmt.Errorf("write config: %w", err)
	}
	defer os.Remove(cfgTmp)
	if _, err := config.Parse(s.ConfigPath, []byte(render(s, trial, s.Now()))); err != nil {
		return "", fmt.Errorf("the config would not load: %w", err)
	}
	if kind == "edited" {
		if backup, err = linkBackup(s.ConfigPath, s.Now()); err != nil {
			return "", err
		}
	}
	for _, key := range slices.Sorted(maps.Keys(final)) {
		if err := os.Rename(trial[key], final[key]); err != nil {
			return backup, fmt.Errorf("install %s: %w", final[key], err)
		}
	}
	if err := os.Rename(cfgTmp, s.ConfigPath); err != nil {
		return backup, fmt.Errorf("install %s: %w", s.ConfigPath, err)
	}
	// The renames (and the backup's link) are durable only once the
	// directory is synced: a power cut before it leaves the old pair.
	if err := durable.SyncDir(dir); err != nil {
		return backup, fmt.Errorf("install %s: %w", s.ConfigPath, err)
	}
	return backup, nil
}

// linkBackup links the config at path to a backup beside it named for
// now, path.<UTC time>.bak, and returns that name. When a backup of the
// same second exists (init ran twice within it), the next free name
// path.<UTC time>.N.bak is taken: an existing backup is never replaced.
func linkBackup(path string, now time.Time) (string, error) {
	stamp := path + "." + now.UTC().Format("20060102T150405Z")
	name := stamp + ".bak"
	for n := 1; ; n++ {
		err := os.Link(path, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) || n > 99 {
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
		name = fmt.Sprintf("%s.%d.bak", stamp, n)
	}
}

// group is the group the written files are handed to; gid -1 when it
// does not exist here (the files stay in the writer's group).
type group struct {
	name string
	gid  int
}

// writeTemp writes data beside path with config.FileMode and group g,
// synced, and returns the temporary file's name. A writer who may not
// create the file or hand it to g is told to run init as root.
func writeTemp(path string, data []byte, g group) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if errors.Is(err, fs.ErrPermission) {
		return "", fmt.Errorf("%s: cannot write in %s as uid %d (run init as root: sudo stampctl init …): %w", path, filepath.Dir(path), os.Getuid(), err)
	}
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = f.Chmod(config.FileMode)
	if err == nil && g.gid >= 0 {
		if err = f.Chown(-1, g.gid); errors.Is(err, fs.ErrPermission) {
			err = fmt.Errorf("only root or a member of group %s may hand a file to it (run init as root: sudo stampctl init …): %w", g.name, err)
		}
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return name, nil
}

// render writes the config: the settings and, in the list's order, the
// section of each uplink set up, its secrets' keys set to secrets
// (their files' paths by key).
func render(s Settings, secrets map[string]string, now time.Time) string {
	q := uplink.Quote
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by stampctl init on %s. Every key: /usr/share/doc/stampclock/stampd.example.toml\n\n", now.UTC().Format("2006-01-02"))
	if s.DeviceID != "" {
		fmt.Fprintf(&b, "[device]\nid = %s\n\n", q(s.DeviceID))
	}
	var hw []string
	for _, k := range readers.All() {
		if !k.Injected {
			hw = append(hw, k.Name)
		}
	}
	fmt.Fprintf(&b, "[reader]\ntype = %s  # set the reader: %s or %s (see the example config)\n\n",
		q(readers.Default().Name), strings.Join(hw[:len(hw)-1], ", "), hw[len(hw)-1])
	if s.StorePath != "" {
		fmt.Fprintf(&b, "[store]\npath = %s\n\n", q(s.StorePath))
	}
	if s.Socket != "" {
		fmt.Fprintf(&b, "[control]\nsocket = %s\n\n", q(s.Socket))
	}
	if s.Timezone != "" {
		fmt.Fprintf(&b, "[punch]\ntimezone = %s\n\n", q(s.Timezone))
	}
	for _, k := range Kinds() {
		a, ok := s.Uplinks[k.Name]
		if !ok {
			continue
		}
		w := maps.Clone(a)
		for _, key := range k.Init.Secrets() {
			w[key] = secrets[k.Name+"."+key]
		}
		b.WriteString(k.Init.Render(k.Name, w))
		b.WriteString("\n")
	}
	b.WriteString("# Badges: [[badge]] uid = \"04A1B2C3\" email = \"…\" — or enrol them with `stampctl enroll`.\n")
	return b.String()
}
