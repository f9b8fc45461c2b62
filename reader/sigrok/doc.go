// Package sigrok reads sigrok session files (.sr), the format PulseView and
// sigrok-cli save logic-analyzer captures in, and turns the samples of a
// probe into what the reader drivers consume: timed level changes, GPIO edge
// events as the Linux character device reports them, and bytes of an
// asynchronous serial line.
//
// A session file is a zip archive holding an INI text "metadata" (sample
// rate, probe names, bytes per sample) and the samples split into chunks
// "logic-1-1", "logic-1-2", … that are concatenated in numeric order. Each
// sample is unitsize bytes, little-endian; bit k is the level of probe k+1.
// The package needs neither cgo nor a sigrok installation.
//
// It reads logic (digital) captures only: analog channels and sessions
// holding more than one device are rejected with an error naming what is
// unsupported. It keeps the whole capture in memory, which suits captures of
// a few seconds from a badge reader (a few MB at most).
package sigrok
