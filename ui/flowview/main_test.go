package flowview

import (
	"os"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

func TestMain(m *testing.M) {
	// Tests compare text, not colours.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// base is the moment fixed flows start at.
var base = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
