package serve

import "net/http"

// sampleRequest is the body of POST /api/sample: a grid seed with a size, or one seed per row and column, and
// the truncation of the codes drawn.
type sampleRequest struct {
	Seed             *uint64  `json:"seed"`
	Identities       *int     `json:"identities"`
	Observations     *int     `json:"observations"`
	IdentitySeeds    []uint64 `json:"identity_seeds"`
	ObservationSeeds []uint64 `json:"observation_seeds"`
	truncation       `json:",inline"`
}

// sampleResponse holds the codes: one identity code per row, one observation code per column; for a model with
// named identities (an AC-GAN), the name of each row's identity.
type sampleResponse struct {
	ZI         [][]float32 `json:"zi"`
	ZO         [][]float32 `json:"zo"`
	Identities []string    `json:"identities,omitempty"`
}

func (s *server) handleSample(w http.ResponseWriter, r *http.Request) {
	var req sampleRequest
	if err := decodeBody(w, r, s.opt.MaxBody, &req); err != nil {
		s.fail(w, err)
		return
	}
	info, err := s.modelInfo()
	if err != nil {
		s.fail(w, err)
		return
	}
	spec := gridRequest{Seed: req.Seed, Identities: req.Identities, Observations: req.Observations,
		IdentitySeeds: req.IdentitySeeds, ObservationSeeds: req.ObservationSeeds, truncation: req.truncation}
	zi, zo, err := spec.resolve(info, s.opt.MaxImages)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sampleResponse{ZI: zi, ZO: zo, Identities: spec.labels})
}
