package onboard

import (
	"slices"
	"testing"
)

// User-Agent strings as the browsers send them.
const (
	uaIPhone        = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
	uaIPad          = "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
	uaFirefoxIOS    = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15"
	uaAndroid       = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
	uaFirefoxDroid  = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
	uaMacSafari     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"
	uaWindowsEdge   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
	uaLinuxChrome   = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	uaFirefoxLinux  = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaFirefoxWindow = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaCurl          = "curl/8.11.0"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		ua   string
		want []Platform
	}{
		{uaIPhone, []Platform{IOS}},
		{uaIPad, []Platform{IOS}},
		{uaFirefoxIOS, []Platform{IOS}}, // iOS browsers use the system store
		{uaAndroid, []Platform{Android}},
		{uaFirefoxDroid, []Platform{Android}},
		{uaMacSafari, []Platform{MacOS}},
		{uaWindowsEdge, []Platform{Windows}},
		{uaLinuxChrome, []Platform{Linux}},
		{uaFirefoxLinux, []Platform{Firefox, Linux}},
		{uaFirefoxWindow, []Platform{Firefox, Windows}},
		{uaCurl, nil},
		{"", nil},
	} {
		if got := Detect(tc.ua); !slices.Equal(got, tc.want) {
			t.Errorf("Detect(%q) = %v, want %v", tc.ua, got, tc.want)
		}
	}
}

func TestOrderListsEveryPlatformOnce(t *testing.T) {
	for _, detected := range [][]Platform{nil, {Android}, {Firefox, Linux}} {
		got := order(detected)
		if !slices.Equal(got[:len(detected)], detected) {
			t.Errorf("order(%v) = %v: detected ones not first", detected, got)
		}
		sorted := slices.Sorted(slices.Values(got))
		if want := slices.Sorted(slices.Values(Platforms())); !slices.Equal(sorted, want) {
			t.Errorf("order(%v) = %v, want each of %v once", detected, got, want)
		}
	}
}
