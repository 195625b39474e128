package serve

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"sdgan/model"
)

// PCG stream constants keep the three ways of seeding apart: the same seed gives unrelated codes in each.
const (
	streamGrid        = 0x5d_6a_6e_01 // one seed for a whole grid
	streamIdentity    = 0x5d_6a_6e_02 // one seed per identity (row)
	streamObservation = 0x5d_6a_6e_03 // one seed per observation (column)
)

// SampleGrid draws n identity codes of length dI, then m observation codes of length dO, from one PCG seeded
// with seed, each value from model's latent prior (model.Uniform). The result depends only on its arguments.
func SampleGrid(seed uint64, n, m, dI, dO int) (zi, zo [][]float32) {
	rng := rand.New(rand.NewPCG(seed, streamGrid))
	return model.Uniform(rng, n, dI), model.Uniform(rng, m, dO)
}

// IdentityCode returns the identity code of length d drawn from seed: the page keeps one seed per row, so a
// row is redrawn, shared or reloaded by its seed alone.
func IdentityCode(seed uint64, d int) []float32 {
	return model.Uniform(rand.New(rand.NewPCG(seed, streamIdentity)), 1, d)[0]
}

// sampleGrid is SampleGrid for the model info describes: its identity codes drawn its way (Info.IdentityCodes),
// with the names of their identities when it has named identities (else nil).
func sampleGrid(info Info, seed uint64, n, m int) (zi, zo [][]float32, names []string) {
	if info.IdentityCodes == nil {
		zi, zo = SampleGrid(seed, n, m, info.DI, info.DO)
		return zi, zo, nil
	}
	rng := rand.New(rand.NewPCG(seed, streamGrid))
	zi, labels := info.IdentityCodes(rng, n)
	return zi, model.Uniform(rng, m, info.DO), info.names(labels)
}

// identityCode is IdentityCode for the model info describes, with the name of its identity ("" when unnamed).
func identityCode(info Info, seed uint64) ([]float32, string) {
	if info.IdentityCodes == nil {
		return IdentityCode(seed, info.DI), ""
	}
	zi, labels := info.IdentityCodes(rand.New(rand.NewPCG(seed, streamIdentity)), 1)
	return zi[0], strings.Join(info.names(labels), "")
}

// names returns the names of the identities with the given indices (nil without named identities).
func (info Info) names(labels []int) []string {
	if info.Identities == nil || labels == nil {
		return nil
	}
	names := make([]string, len(labels))
	for i, l := range labels {
		if l >= 0 && l < len(info.Identities) {
			names[i] = info.Identities[l]
		}
	}
	return names
}

// ObservationCode returns the observation code of length d drawn from seed (one seed per column).
func ObservationCode(seed uint64, d int) []float32 {
	return model.Uniform(rand.New(rand.NewPCG(seed, streamObservation)), 1, d)[0]
}

// code is one latent code as a client sends it: a JSON array of plain numbers, each finite with
// |value| ≤ MaxAbsLatent, rounded once to the nearest float32. Its decoder checks every value as it reads it
// and names a bad one by its place, such as zi[1][3].
type code []float32

// UnmarshalJSONFrom decodes a code; JSON null leaves it nil.
func (c *code) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case 'n':
		*c = nil
		_, err := dec.ReadToken()
		return err
	case '[':
	default:
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		return badRequest("field %q: got JSON %s, expected an array of numbers", fieldName(dec.StackPointer()),
			kindWord(v.Kind()))
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*c = (*c)[:0]
	for dec.PeekKind() != ']' {
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if v.Kind() != '0' {
			return badRequest("field %q: got JSON %s %s; expected plain JSON numbers (no quotes, NaN or Infinity)",
				fieldName(dec.StackPointer()), kindWord(v.Kind()), v)
		}
		f, err := strconv.ParseFloat(string(v), 32)
		if err != nil && !isRangeError(err) || math.IsInf(f, 0) || math.Abs(f) > MaxAbsLatent {
			return badRequest("field %q: value %s out of range; expected a finite number with |value| ≤ %d",
				fieldName(dec.StackPointer()), v, MaxAbsLatent)
		}
		*c = append(*c, float32(f))
	}
	_, err := dec.ReadToken()
	return err
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// gridRequest is the body of POST /api/grid. It asks for latents in one of three ways: a grid seed with a
// size, one seed per row and column, or the codes themselves; and for the padding between cells.
type gridRequest struct {
	Seed             *uint64  `json:"seed"`
	Identities       *int     `json:"identities"`
	Observations     *int     `json:"observations"`
	IdentitySeeds    []uint64 `json:"identity_seeds"`
	ObservationSeeds []uint64 `json:"observation_seeds"`
	ZI               []code   `json:"zi"`
	ZO               []code   `json:"zo"`
	Padding          *int     `json:"padding"`
	truncation       `json:",inline"`

	labels []string // set by resolve: the names of the rows' identities when the model names them
}

func (spec *gridRequest) padding() *int { return spec.Padding }

// resolve returns the identity codes (rows) and observation codes (columns) that spec asks for, checking them
// against the model's code lengths and the grid bounds.
func (spec *gridRequest) resolve(info Info, maxImages int) (zi, zo [][]float32, err error) {
	seeded := spec.Seed != nil || spec.Identities != nil || spec.Observations != nil
	perRow := spec.IdentitySeeds != nil || spec.ObservationSeeds != nil
	explicit := spec.ZI != nil || spec.ZO != nil
	switch {
	case explicit && (seeded || perRow), seeded && perRow:
		return nil, nil, badRequest(`request: give one of {"seed", "identities", "observations"}, ` +
			`{"identity_seeds", "observation_seeds"} or {"zi", "zo"}, not a mix`)
	case explicit:
		if err := spec.truncation.check(info, true); err != nil {
			return nil, nil, err
		}
		if spec.ZI == nil || spec.ZO == nil {
			return nil, nil, badRequest(`fields "zi" and "zo": expected both, got only one`)
		}
		if err := checkGridSize(len(spec.ZI), len(spec.ZO), "zi", "zo", maxImages); err != nil {
			return nil, nil, err
		}
		if zi, err = checkCodes("zi", spec.ZI, info.DI, "d_I"); err != nil {
			return nil, nil, err
		}
		if zo, err = checkCodes("zo", spec.ZO, info.DO, "d_O"); err != nil {
			return nil, nil, err
		}
		return zi, zo, nil
	}
	if err := spec.truncation.check(info, false); err != nil {
		return nil, nil, err
	}
	if zi, zo, err = spec.draw(info, maxImages); err != nil {
		return nil, nil, err
	}
	spec.truncation.apply(zi, zo)
	return zi, zo, nil
}

// draw returns the codes that spec's seeds give, before truncation: one seed per row and column, or a grid seed.
func (spec *gridRequest) draw(info Info, maxImages int) (zi, zo [][]float32, err error) {
	if spec.IdentitySeeds != nil || spec.ObservationSeeds != nil {
		if spec.IdentitySeeds == nil || spec.ObservationSeeds == nil {
			return nil, nil, badRequest(`fields "identity_seeds" and "observation_seeds": expected both, got only one`)
		}
		n, m := len(spec.IdentitySeeds), len(spec.ObservationSeeds)
		if err := checkGridSize(n, m, "identity_seeds", "observation_seeds", maxImages); err != nil {
			return nil, nil, err
		}
		zi, zo = make([][]float32, n), make([][]float32, m)
		for i, s := range spec.IdentitySeeds {
			var name string
			zi[i], name = identityCode(info, s)
			if info.Identities != nil {
				spec.labels = append(spec.labels, name)
			}
		}
		for j, s := range spec.ObservationSeeds {
			zo[j] = ObservationCode(s, info.DO)
		}
		return zi, zo, nil
	}
	var seed uint64
	n, m := DefaultSide, DefaultSide
	if spec.Seed != nil {
		seed = *spec.Seed
	}
	if spec.Identities != nil {
		n = *spec.Identities
	}
	if spec.Observations != nil {
		m = *spec.Observations
	}
	if err := checkGridSize(n, m, "identities", "observations", maxImages); err != nil {
		return nil, nil, err
	}
	zi, zo, spec.labels = sampleGrid(info, seed, n, m)
	return zi, zo, nil
}

// truncation is the optional psi_i/psi_o pair of /api/grid and /api/sample: the truncation trick
// (model.Truncate) for the codes the server draws from seeds. Every drawn identity code is scaled by ψ_I and every
// drawn observation code by ψ_O towards the prior's centre; codes a client sends are never scaled.
type truncation struct {
	PsiI psi `json:"psi_i"`
	PsiO psi `json:"psi_o"`
}

// check refuses ψ with codes sent as zi/zo (explicit), and ψ_I ≠ 1 for a model with named identities (an
// AC-GAN), whose identity codes are rows of its label table rather than draws from a prior.
func (t truncation) check(info Info, explicit bool) error {
	for _, f := range []struct {
		name string
		v    psi
	}{{"psi_i", t.PsiI}, {"psi_o", t.PsiO}} {
		if explicit && f.v != 0 {
			return badRequest(`field %q: truncates the codes the server draws from seeds; codes sent as "zi" and `+
				`"zo" are used as given (scale them before sending, or drop %q)`, f.name, f.name)
		}
	}
	if info.Identities != nil && t.PsiI.factor() != 1 {
		return badRequest(`field "psi_i": %g; this model (an AC-GAN) draws its identity codes as rows of its label `+
			`table, the identities it was trained on, not from a prior, so they cannot be truncated: only "psi_o" applies`,
			float64(t.PsiI))
	}
	return nil
}

// apply truncates drawn identity codes zi and observation codes zo in place.
func (t truncation) apply(zi, zo [][]float32) {
	model.TruncateEach(zi, t.PsiI.factor())
	model.TruncateEach(zo, t.PsiO.factor())
}

// psi is one truncation factor ψ as a client sends it: a plain JSON number in (0, 1]. Its zero value, also what
// JSON null gives, means the field is absent: no truncation.
type psi float64

// factor is the float32 that codes are multiplied by: ψ, or 1 when absent.
func (p psi) factor() float32 {
	if p == 0 {
		return 1
	}
	return float32(p)
}

// UnmarshalJSONFrom decodes ψ, refusing anything but a number in (0, 1] and naming the field.
func (p *psi) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	field := fieldName(dec.StackPointer())
	switch v.Kind() {
	case 'n':
		*p = 0
		return nil
	case '0':
	case '[', '{':
		return badRequest("field %q: got JSON %s; expected a number in (0, 1] (1 = no truncation)", field,
			kindWord(v.Kind()))
	default:
		return badRequest("field %q: got JSON %s %s; expected a plain JSON number in (0, 1] (1 = no truncation)",
			field, kindWord(v.Kind()), v)
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil && !isRangeError(err) || !(f > 0 && f <= 1) {
		return badRequest("field %q: value %s out of range; expected a number in (0, 1] (1 = no truncation)", field, v)
	}
	*p = psi(f)
	return nil
}

// checkGridSize checks that an n×m grid fits the bounds; rowField and colField name the fields for errors.
func checkGridSize(n, m int, rowField, colField string, maxImages int) error {
	if n < 1 || n > MaxSide {
		return badRequest("field %q: %d rows; expected 1 to %d", rowField, n, MaxSide)
	}
	if m < 1 || m > MaxSide {
		return badRequest("field %q: %d columns; expected 1 to %d", colField, m, MaxSide)
	}
	if n*m > maxImages {
		return badRequest("fields %q × %q: %d×%d = %d images; expected at most %d per request",
			rowField, colField, n, m, n*m, maxImages)
	}
	return nil
}

// checkCodes checks that each code in rows has length d (named dName in errors) and returns them as float32 rows.
func checkCodes(field string, rows []code, d int, dName string) ([][]float32, error) {
	codes := make([][]float32, len(rows))
	for i, row := range rows {
		if err := checkCode(field+"["+strconv.Itoa(i)+"]", row, d, dName); err != nil {
			return nil, err
		}
		codes[i] = row
	}
	return codes, nil
}

// checkCode checks that one code has length d; its values were checked as they were decoded.
func checkCode(field string, c code, d int, dName string) error {
	if len(c) != d {
		return badRequest("field %q: %d values; expected %s = %d", field, len(c), dName, d)
	}
	return nil
}
