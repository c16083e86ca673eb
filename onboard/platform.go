package onboard

import "strings"

// Platform names a section of the certificate page: one operating system,
// or Firefox, which keeps a store of its own.
type Platform string

// The platforms the page has steps for, in the order the page lists them
// when the User-Agent says nothing.
const (
	IOS     Platform = "ios"
	Android Platform = "android"
	MacOS   Platform = "macos"
	Windows Platform = "windows"
	Linux   Platform = "linux"
	Firefox Platform = "firefox"
)

// Platforms returns every platform in the page's default order.
func Platforms() []Platform {
	return []Platform{IOS, Android, MacOS, Windows, Linux, Firefox}
}

// Detect returns the platforms a User-Agent string points to, most
// relevant first: its operating system, and Firefox before it when the
// browser is desktop Firefox (whose own store is the one that matters for
// it). It returns nil when it recognises nothing. iPadOS asks for desktop
// sites with a Mac User-Agent, so an iPad may be taken for macOS.
func Detect(userAgent string) []Platform {
	ua := strings.ToLower(userAgent)
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(ua, x) {
				return true
			}
		}
		return false
	}
	var sys Platform
	switch {
	// Before Mac: iOS User-Agents say "like Mac OS X".
	case has("iphone", "ipad", "ipod"):
		return []Platform{IOS}
	// Before Linux: Android's say "Linux; Android".
	case has("android"):
		return []Platform{Android}
	case has("windows"):
		sys = Windows
	case has("macintosh", "mac os x"):
		sys = MacOS
	case has("linux", "x11", "cros"):
		sys = Linux
	}
	if has("firefox/") {
		if sys == "" {
			return []Platform{Firefox}
		}
		return []Platform{Firefox, sys}
	}
	if sys == "" {
		return nil
	}
	return []Platform{sys}
}

// order returns every platform, those detected first.
func order(detected []Platform) []Platform {
	out := append([]Platform(nil), detected...)
	for _, p := range Platforms() {
		seen := false
		for _, d := range detected {
			seen = seen || d == p
		}
		if !seen {
			out = append(out, p)
		}
	}
	return out
}
