package serve

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
)

// PCG stream constants keep the three ways of seeding apart: the same seed gives unrelated codes in each.
const (
	streamGrid        = 0x5d_6a_6e_01 // one seed for a whole grid
	streamIdentity    = 0x5d_6a_6e_02 // one seed per identity (row)
	streamObservation = 0x5d_6a_6e_03 // one seed per observation (column)
)

// uniformRow draws d coordinates, each uniform in [−1, 1).
func uniformRow(rng *rand.Rand, d int) []float32 {
	row := make([]float32, d)
	for i := range row {
		row[i] = float32(2*rng.Float64() - 1)
	}
	return row
}

// SampleGrid draws n identity codes of length dI, then m observation codes of length dO, from one PCG seeded
// with seed. The result depends only on its arguments.
func SampleGrid(seed uint64, n, m, dI, dO int) (zi, zo [][]float32) {
	rng := rand.New(rand.NewPCG(seed, streamGrid))
	zi = make([][]float32, n)
	for i := range zi {
		zi[i] = uniformRow(rng, dI)
	}
	zo = make([][]float32, m)
	for j := range zo {
		zo[j] = uniformRow(rng, dO)
	}
	return zi, zo
}

// IdentityCode returns the identity code of length d drawn from seed: the page keeps one seed per row, so a
// row is redrawn, shared or reloaded by its seed alone.
func IdentityCode(seed uint64, d int) []float32 {
	return uniformRow(rand.New(rand.NewPCG(seed, streamIdentity)), d)
}

// ObservationCode returns the observation code of length d drawn from seed (one seed per column).
func ObservationCode(seed uint64, d int) []float32 {
	return uniformRow(rand.New(rand.NewPCG(seed, streamObservation)), d)
}

// gridRequest is the body of POST /api/grid. It asks for latents in one of three ways: a grid seed with a
// size, one seed per row and column, or the codes themselves; and for the padding between cells.
type gridRequest struct {
	Seed             *uint64         `json:"seed"`
	Identities       *int            `json:"identities"`
	Observations     *int            `json:"observations"`
	IdentitySeeds    []uint64        `json:"identity_seeds"`
	ObservationSeeds []uint64        `json:"observation_seeds"`
	ZI               [][]json.Number `json:"zi"`
	ZO               [][]json.Number `json:"zo"`
	Padding          *int            `json:"padding"`
}

// resolve returns the identity codes (rows) and observation codes (columns) that spec asks for, checking them
// against the model's code lengths and the grid bounds.
func (spec *gridRequest) padding() *int { return spec.Padding }

func (spec *gridRequest) resolve(info Info, maxImages int) (zi, zo [][]float32, err error) {
	seeded := spec.Seed != nil || spec.Identities != nil || spec.Observations != nil
	perRow := spec.IdentitySeeds != nil || spec.ObservationSeeds != nil
	explicit := spec.ZI != nil || spec.ZO != nil
	switch {
	case explicit && (seeded || perRow), seeded && perRow:
		return nil, nil, badRequest(`request: give one of {"seed", "identities", "observations"}, ` +
			`{"identity_seeds", "observation_seeds"} or {"zi", "zo"}, not a mix`)
	case explicit:
		if spec.ZI == nil || spec.ZO == nil {
			return nil, nil, badRequest(`fields "zi" and "zo": expected both, got only one`)
		}
		if err := checkGridSize(len(spec.ZI), len(spec.ZO), "zi", "zo", maxImages); err != nil {
			return nil, nil, err
		}
		if zi, err = parseCodes("zi", spec.ZI, info.DI, "d_I"); err != nil {
			return nil, nil, err
		}
		if zo, err = parseCodes("zo", spec.ZO, info.DO, "d_O"); err != nil {
			return nil, nil, err
		}
		return zi, zo, nil
	case perRow:
		if spec.IdentitySeeds == nil || spec.ObservationSeeds == nil {
			return nil, nil, badRequest(`fields "identity_seeds" and "observation_seeds": expected both, got only one`)
		}
		n, m := len(spec.IdentitySeeds), len(spec.ObservationSeeds)
		if err := checkGridSize(n, m, "identity_seeds", "observation_seeds", maxImages); err != nil {
			return nil, nil, err
		}
		zi, zo = make([][]float32, n), make([][]float32, m)
		for i, s := range spec.IdentitySeeds {
			zi[i] = IdentityCode(s, info.DI)
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
	zi, zo = SampleGrid(seed, n, m, info.DI, info.DO)
	return zi, zo, nil
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

// parseCodes parses rows of numbers, each of length d (named dName in errors), as float32 codes.
func parseCodes(field string, rows [][]json.Number, d int, dName string) ([][]float32, error) {
	codes := make([][]float32, len(rows))
	for i, row := range rows {
		code, err := parseCode(field+"["+strconv.Itoa(i)+"]", row, d, dName)
		if err != nil {
			return nil, err
		}
		codes[i] = code
	}
	return codes, nil
}

// parseCode parses one code of length d. Each value must be finite with |value| ≤ MaxAbsLatent; it is
// rounded once, to the nearest float32.
func parseCode(field string, row []json.Number, d int, dName string) ([]float32, error) {
	if len(row) != d {
		return nil, badRequest("field %q: %d values; expected %s = %d", field, len(row), dName, d)
	}
	code := make([]float32, d)
	for k, num := range row {
		v, err := strconv.ParseFloat(string(num), 32)
		if err != nil && !isRangeError(err) {
			return nil, badRequest("field %q: value %q is not a number", field+"["+strconv.Itoa(k)+"]", num)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > MaxAbsLatent {
			return nil, badRequest("field %q: value %s out of range; expected a finite number with |value| ≤ %d",
				field+"["+strconv.Itoa(k)+"]", num, MaxAbsLatent)
		}
		code[k] = float32(v)
	}
	return code, nil
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
