package session

// streamToRecord is the stored form of a flow's stream counts, in the
// session file and in HAR's _siphon.
func streamToRecord(s *StreamStats) *streamRecord {
	return &streamRecord{BytesUp: s.BytesUp, BytesDown: s.BytesDown,
		FramesUp: s.FramesUp, FramesDown: s.FramesDown,
		PingsUp: s.PingsUp, PingsDown: s.PingsDown, PongsUp: s.PongsUp, PongsDown: s.PongsDown,
		Closed: unixNano(s.Closed)}
}

// stats is the StreamStats of a stored record.
func (r *streamRecord) stats() *StreamStats {
	return &StreamStats{BytesUp: r.BytesUp, BytesDown: r.BytesDown,
		FramesUp: r.FramesUp, FramesDown: r.FramesDown,
		PingsUp: r.PingsUp, PingsDown: r.PingsDown, PongsUp: r.PongsUp, PongsDown: r.PongsDown,
		Closed: fromUnixNano(r.Closed)}
}
