package httpapi

import (
	"net/http"
	"unicode/utf8"

	"github.com/openttsc/ttsc"
)

// maxWordLen bounds the word of ShowTtsPhoneticSymbol.
const maxWordLen = 64

type phoneticResponse struct {
	Data []string `json:"data"`
}

// handleShowPhoneticSymbol answers with the IPA readings the engine has
// for an English word, for clients building PHONETIC_SYMBOL entries.
func (s *Server) handleShowPhoneticSymbol(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, limit, err := paging(q, 10, 1000)
	if err != nil {
		return err
	}
	word := q.Get("word")
	if word == "" || utf8.RuneCountInString(word) > maxWordLen {
		return ttsc.Errorf(ttsc.EINVALID, "query parameter word is required: one English word of 1 to %d letters", maxWordLen)
	}
	for _, c := range word {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '\'' || c == '-') {
			return ttsc.Errorf(ttsc.EINVALID, "query parameter word must be one English word (letters, ' and -), got %q", truncate(word, maxWordLen))
		}
	}
	if s.cfg.PhoneticSymbols == nil {
		return ttsc.Errorf(ttsc.EUNAVAILABLE, "phonetic symbols are not available on this server")
	}
	all, err := s.cfg.PhoneticSymbols(r.Context(), word)
	if err != nil {
		return err
	}
	resp := phoneticResponse{Data: []string{}}
	// An offset past the end gives the last page, as MetaStudio documents.
	if offset >= len(all) && len(all) > 0 {
		offset = max(0, len(all)-limit)
	}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		resp.Data = append(resp.Data, all[i])
	}
	return writeJSON(w, http.StatusOK, resp)
}
