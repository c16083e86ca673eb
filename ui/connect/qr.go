package connect

import (
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// qrLines draws a QR code of text with Unicode half blocks, two modules a
// character cell vertically, inside the standard quiet zone of four
// modules. Light modules are drawn (█, ▀, ▄) and dark ones left blank:
// on a terminal's usual light-on-dark text that is a dark-on-light code
// with a light frame, as cameras expect; the screen also forces those
// colours where the terminal has them. Medium error correction keeps a
// URL of a LAN address at version 2 or 3: 33 or 37 cells wide, 17 or 19
// lines high. big draws each module as two full cells side by side
// instead, twice the size each way, for large terminals.
func qrLines(text string, big bool) ([]string, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("QR code of %s: %w", text, err)
	}
	s := q.ToSmallString(false)
	if big {
		s = q.ToString(false)
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n"), nil
}
