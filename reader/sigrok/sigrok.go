package sigrok

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrFormat is wrapped by every error about a file that is not a session
// file this package can read.
var ErrFormat = errors.New("sigrok: unsupported session file")

// maxSamplesBytes bounds the decompressed samples, so a hostile archive
// cannot exhaust memory. 256 MiB is minutes of 8 probes at 1 MHz.
const maxSamplesBytes = 256 << 20

// Capture is a decoded session file.
type Capture struct {
	// SampleRate is in samples per second.
	SampleRate uint64
	// Probes are the probe names in order: Probes[k] is bit k of a sample.
	Probes []string
	// UnitSize is the number of bytes in one sample.
	UnitSize int

	samples []byte
}

// Open reads the session file at path.
func Open(path string) (*Capture, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sigrok: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("sigrok: %w", err)
	}
	c, err := Read(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Read decodes a session file of size bytes from r.
func Read(r io.ReaderAt, size int64) (*Capture, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: not a zip archive: %v", ErrFormat, err)
	}
	files := make(map[string]*zip.File, len(z.File))
	for _, f := range z.File {
		files[f.Name] = f
	}
	mf, ok := files["metadata"]
	if !ok {
		return nil, fmt.Errorf("%w: no metadata entry", ErrFormat)
	}
	meta, err := readEntry(mf, 1<<16)
	if err != nil {
		return nil, err
	}
	c, prefix, err := parseMetadata(meta)
	if err != nil {
		return nil, err
	}
	chunks, err := chunkNames(files, prefix)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, name := range chunks {
		b, err := readEntry(files[name], maxSamplesBytes-int64(buf.Len()))
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	if buf.Len()%c.UnitSize != 0 {
		return nil, fmt.Errorf("%w: %d sample bytes are not a whole number of %d-byte samples", ErrFormat, buf.Len(), c.UnitSize)
	}
	c.samples = buf.Bytes()
	return c, nil
}

func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: entry %s: %v", ErrFormat, f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: entry %s: %v", ErrFormat, f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: entry %s: samples larger than %d bytes", ErrFormat, f.Name, maxSamplesBytes)
	}
	return b, nil
}

// parseMetadata reads the [device 1] section. It returns the capture without
// samples and the prefix of the sample chunks' names.
func parseMetadata(meta []byte) (*Capture, string, error) {
	sections := map[string]map[string]string{}
	var cur map[string]string
	sc := bufio.NewScanner(bytes.NewReader(meta))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			name := line[1 : len(line)-1]
			cur = map[string]string{}
			sections[name] = cur
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || cur == nil {
				return nil, "", fmt.Errorf("%w: metadata line %d: %q is not key=value in a section", ErrFormat, n, line)
			}
			cur[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if _, ok := sections["device 2"]; ok {
		return nil, "", fmt.Errorf("%w: more than one device in the session", ErrFormat)
	}
	dev, ok := sections["device 1"]
	if !ok {
		return nil, "", fmt.Errorf("%w: metadata has no [device 1] section", ErrFormat)
	}
	if _, ok := dev["total analog"]; ok && dev["total analog"] != "0" {
		return nil, "", fmt.Errorf("%w: analog channels", ErrFormat)
	}
	c := &Capture{}
	rate, err := ParseRate(dev["samplerate"])
	if err != nil {
		return nil, "", err
	}
	c.SampleRate = rate
	total, err := strconv.Atoi(dev["total probes"])
	if err != nil || total < 1 || total > 64 {
		return nil, "", fmt.Errorf("%w: total probes=%q: want 1 to 64", ErrFormat, dev["total probes"])
	}
	c.UnitSize = (total + 7) / 8
	if us, ok := dev["unitsize"]; ok {
		n, err := strconv.Atoi(us)
		if err != nil || n < c.UnitSize || n > 8 {
			return nil, "", fmt.Errorf("%w: unitsize=%q with %d probes", ErrFormat, us, total)
		}
		c.UnitSize = n
	}
	c.Probes = make([]string, total)
	for k := range c.Probes {
		name, ok := dev["probe"+strconv.Itoa(k+1)]
		if !ok {
			name = strconv.Itoa(k) // unnamed probes keep their index
		}
		c.Probes[k] = name
	}
	prefix := dev["capturefile"]
	if prefix == "" {
		return nil, "", fmt.Errorf("%w: metadata has no capturefile", ErrFormat)
	}
	return c, prefix, nil
}

// chunkNames lists the sample entries in order: prefix itself (old single
// chunk files) or prefix-1, prefix-2, ….
func chunkNames(files map[string]*zip.File, prefix string) ([]string, error) {
	if _, ok := files[prefix]; ok {
		return []string{prefix}, nil
	}
	type chunk struct {
		n    int
		name string
	}
	var cs []chunk
	for name := range files {
		rest, ok := strings.CutPrefix(name, prefix+"-")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%w: sample entry %q", ErrFormat, name)
		}
		cs = append(cs, chunk{n, name})
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w: no sample entries %s-N", ErrFormat, prefix)
	}
	slices.SortFunc(cs, func(a, b chunk) int { return a.n - b.n })
	names := make([]string, len(cs))
	for i, c := range cs {
		if c.n != i+1 {
			return nil, fmt.Errorf("%w: sample entry %s-%d missing", ErrFormat, prefix, i+1)
		}
		names[i] = c.name
	}
	return names, nil
}

// ParseRate reads a sample rate as sigrok writes it: "20 kHz", "1 MHz",
// "500 Hz" or a plain number of Hz.
func ParseRate(s string) (uint64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), " ")
	if unit == "" {
		for _, u := range []string{"GHz", "MHz", "kHz", "Hz"} {
			if n, ok := strings.CutSuffix(num, u); ok {
				num, unit = n, u
				break
			}
		}
	}
	mult := map[string]float64{"": 1, "Hz": 1, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if mult == 0 || err != nil || v <= 0 || v*mult > 1e12 {
		return 0, fmt.Errorf("%w: samplerate=%q", ErrFormat, s)
	}
	return uint64(v*mult + 0.5), nil
}

// Samples is the number of samples in the capture.
func (c *Capture) Samples() int { return len(c.samples) / c.UnitSize }

// Duration is the time the capture spans.
func (c *Capture) Duration() time.Duration { return c.at(c.Samples()) }

// at converts a sample index to the time since the first sample.
func (c *Capture) at(i int) time.Duration {
	return time.Duration(uint64(i) * uint64(time.Second) / c.SampleRate)
}

// sample returns sample i as a bit mask of probe levels.
func (c *Capture) sample(i int) uint64 {
	var v uint64
	b := c.samples[i*c.UnitSize : (i+1)*c.UnitSize]
	for j := len(b) - 1; j >= 0; j-- {
		v = v<<8 | uint64(b[j])
	}
	return v
}

// Probe finds a probe by name and returns its index (its bit in a sample).
// If no probe has that name and name is a number, it is taken as the index.
func (c *Capture) Probe(name string) (int, error) {
	if i := slices.Index(c.Probes, name); i >= 0 {
		return i, nil
	}
	if i, err := strconv.Atoi(name); err == nil && i >= 0 && i < len(c.Probes) {
		return i, nil
	}
	return 0, fmt.Errorf("sigrok: no probe %q (probes: %s)", name, strings.Join(c.Probes, ", "))
}

// Level returns the level of probe p at sample i.
func (c *Capture) Level(p, i int) bool { return c.sample(i)>>p&1 == 1 }

// Edge is a change of level on one probe.
type Edge struct {
	// At is the time of the first sample at the new level, counted from
	// the first sample of the capture.
	At time.Duration
	// Probe is the probe's index.
	Probe int
	// Rising is true for a change from low to high.
	Rising bool
}

// Edges returns the level changes of the given probes in time order; changes
// on several probes in the same sample are ordered by probe index. The
// initial levels are not edges.
func (c *Capture) Edges(probes ...int) []Edge {
	var mask uint64
	for _, p := range probes {
		mask |= 1 << p
	}
	var edges []Edge
	n := c.Samples()
	if n == 0 {
		return nil
	}
	prev := c.sample(0) & mask
	for i := 1; i < n; i++ {
		v := c.sample(i) & mask
		if v == prev {
			continue
		}
		for ch := v ^ prev; ch != 0; ch &= ch - 1 {
			p := bits.TrailingZeros64(ch)
			edges = append(edges, Edge{At: c.at(i), Probe: p, Rising: v>>p&1 == 1})
		}
		prev = v
	}
	return edges
}

// ProbeFor finds the probe playing role: the one roles names for it (a
// name or an index, as the user gave it), else a probe named like the
// role or one of alts (in any case), else the index def. It returns the
// probe's index and name.
func (c *Capture) ProbeFor(roles map[string]string, role string, alts []string, def int) (int, string, error) {
	if name, ok := roles[role]; ok {
		p, err := c.Probe(name)
		if err != nil {
			return 0, "", fmt.Errorf("--probe %s=%s: %w", role, name, err)
		}
		return p, c.Probes[p], nil
	}
	for _, n := range append([]string{role}, alts...) {
		for i, pn := range c.Probes {
			if strings.EqualFold(pn, n) {
				return i, pn, nil
			}
		}
	}
	if def >= len(c.Probes) {
		return 0, "", fmt.Errorf("no probe for %s: give --probe %s=NAME (probes: %s)", role, role, strings.Join(c.Probes, ", "))
	}
	return def, c.Probes[def], nil
}
