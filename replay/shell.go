package replay

import (
	"strings"
	"unicode/utf8"
)

// maxInlineBody is the largest text body written as a command-line
// argument. Linux refuses a single argument over 128 KiB (MAX_ARG_STRLEN),
// so larger bodies are piped in from printf, a shell builtin without that
// limit.
const maxInlineBody = 64 << 10

// quote makes s one POSIX shell word: left bare when it holds only
// characters no shell treats specially, else single-quoted (a single
// quote inside closes the quoting, is escaped, and reopens it).
func quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < utf8.RuneSelf && (('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') ||
			('0' <= r && r <= '9') || strings.ContainsRune("_@%+=:,./-", r)))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printfArg is data as the single-quoted format argument of printf, which
// reproduces it byte for byte in any POSIX shell (NUL bytes included):
// printable ASCII stays, % and \ are escaped, tab, CR and LF become \t, \r
// and \n, other bytes \ooo (escapes POSIX printf knows in a format).
//
// A leading '-' is written \055: the printf of dash and bash reads an
// argument starting with '-' as options ("printf: Illegal option --"),
// which would empty every multipart body, as they start with "--".
// The escape needs nothing beyond the format escapes POSIX defines, where
// "printf -- ..." would rely on option parsing.
func printfArg(data []byte) string {
	var b strings.Builder
	b.Grow(len(data) + 2)
	b.WriteByte('\'')
	for i, c := range data {
		switch {
		case c == '-' && i == 0:
			b.WriteString(`\055`)
		case c == '\'':
			b.WriteString(`'\''`)
		case c == '%':
			b.WriteString("%%")
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			b.WriteByte('\\')
			b.WriteByte('0' + c>>6)
			b.WriteByte('0' + c>>3&7)
			b.WriteByte('0' + c&7)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// plainText reports whether a body can be a quoted argument: valid UTF-8
// without control characters other than tab and newline, and short
// enough for one argument.
func plainText(data []byte) bool {
	if len(data) > maxInlineBody || !utf8.Valid(data) {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
			return false
		}
	}
	return true
}

// commandLine joins words into a command of several lines, one option and
// its argument per line, continued with backslashes.
type commandLine struct {
	b       strings.Builder
	started bool
}

// add appends words (already quoted) as one line.
func (c *commandLine) add(words ...string) {
	if c.started {
		c.b.WriteString(" \\\n  ")
	}
	c.started = true
	c.b.WriteString(strings.Join(words, " "))
}

func (c *commandLine) String() string { return c.b.String() }
