package display

import "strings"

// fold rewrites s so that the built-in font can draw every rune: German
// umlauts become two letters (ä → ae, ß → ss), common accented Latin
// letters lose their accent, white space becomes a plain space, and
// anything else the font lacks becomes '?'.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= firstGlyph && r <= lastGlyph, r == ellipsis:
			b.WriteRune(r)
		case r == '\t' || r == '\n' || r == '\r' || r == '\u00a0':
			b.WriteByte(' ')
		default:
			if f, ok := foldRune(r); ok {
				b.WriteString(f)
			} else {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}

// foldRune returns the ASCII spelling of a non-ASCII letter.
func foldRune(r rune) (string, bool) {
	switch r {
	case 'ä':
		return "ae", true
	case 'ö':
		return "oe", true
	case 'ü':
		return "ue", true
	case 'Ä':
		return "Ae", true
	case 'Ö':
		return "Oe", true
	case 'Ü':
		return "Ue", true
	case 'ß':
		return "ss", true
	case 'ẞ':
		return "SS", true
	case 'æ':
		return "ae", true
	case 'Æ':
		return "AE", true
	case 'œ':
		return "oe", true
	case 'Œ':
		return "OE", true
	case 'á', 'à', 'â', 'ã', 'å', 'ą', 'ă', 'ā':
		return "a", true
	case 'Á', 'À', 'Â', 'Ã', 'Å', 'Ą', 'Ă', 'Ā':
		return "A", true
	case 'ç', 'ć', 'č':
		return "c", true
	case 'Ç', 'Ć', 'Č':
		return "C", true
	case 'ď', 'đ':
		return "d", true
	case 'Ď', 'Đ':
		return "D", true
	case 'é', 'è', 'ê', 'ë', 'ę', 'ě', 'ē':
		return "e", true
	case 'É', 'È', 'Ê', 'Ë', 'Ę', 'Ě', 'Ē':
		return "E", true
	case 'ğ':
		return "g", true
	case 'Ğ':
		return "G", true
	case 'í', 'ì', 'î', 'ï', 'ı', 'ī':
		return "i", true
	case 'Í', 'Ì', 'Î', 'Ï', 'İ', 'Ī':
		return "I", true
	case 'ł', 'ľ', 'ĺ':
		return "l", true
	case 'Ł', 'Ľ', 'Ĺ':
		return "L", true
	case 'ñ', 'ń', 'ň':
		return "n", true
	case 'Ñ', 'Ń', 'Ň':
		return "N", true
	case 'ó', 'ò', 'ô', 'õ', 'ø', 'ő', 'ō':
		return "o", true
	case 'Ó', 'Ò', 'Ô', 'Õ', 'Ø', 'Ő', 'Ō':
		return "O", true
	case 'ř', 'ŕ':
		return "r", true
	case 'Ř', 'Ŕ':
		return "R", true
	case 'ś', 'š', 'ş', 'ș':
		return "s", true
	case 'Ś', 'Š', 'Ş', 'Ș':
		return "S", true
	case 'ť', 'ţ', 'ț':
		return "t", true
	case 'Ť', 'Ţ', 'Ț':
		return "T", true
	case 'ú', 'ù', 'û', 'ů', 'ű', 'ū':
		return "u", true
	case 'Ú', 'Ù', 'Û', 'Ů', 'Ű', 'Ū':
		return "U", true
	case 'ý', 'ÿ':
		return "y", true
	case 'Ý', 'Ÿ':
		return "Y", true
	case 'ź', 'ż', 'ž':
		return "z", true
	case 'Ź', 'Ż', 'Ž':
		return "Z", true
	case '–', '—':
		return "-", true
	case '‘', '’', '‚':
		return "'", true
	case '“', '”', '„':
		return "\"", true
	}
	return "", false
}
