package mcp

// Live is the running proxy, for the action tools and notifications.
type Live struct {
	// AllowActions lets the action tools act (--mcp-allow-actions);
	// without it they refuse.
	AllowActions bool
}

func (s *Server) addActionTools() {}
