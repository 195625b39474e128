package serve

import (
	"embed"
	"io"
	"io/fs"
	"net/http"
	"strings"
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

// handleStatic serves the page's assets under /static/: files only, and a JSON 404 for anything else.
func (s *server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := "web/" + strings.TrimPrefix(r.URL.Path, "/static/")
	f, err := web.Open(name)
	if err == nil {
		defer f.Close()
	}
	var st fs.FileInfo
	if err == nil {
		st, err = f.Stat()
	}
	rs, seekable := f.(io.ReadSeeker)
	if err != nil || st.IsDir() || !seekable {
		s.fail(w, &apiError{status: http.StatusNotFound, kind: "not_found",
			msg: "path " + r.URL.Path + ": no such file; expected /static/app.js or /static/style.css"})
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, st.Name(), st.ModTime(), rs)
}
