package serve

import (
	"embed"
	"io/fs"
	"net/http"
)

// web holds the explorer page: plain HTML, CSS and JavaScript, no build step, no network access needed.
//
//go:embed web
var web embed.FS

// handlePage serves the explorer page at /.
func (s *server) handlePage(w http.ResponseWriter, r *http.Request) {
	page, err := web.ReadFile("web/index.html")
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(page)
}

// staticHandler serves the page's assets under /static/.
func staticHandler() http.Handler {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		panic("serve: embedded web folder missing: " + err.Error()) // cannot happen: go:embed checked it
	}
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}
