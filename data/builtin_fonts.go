// This file lists every typeface builtin:fonts renders, one import per face; keep it sorted by module, then face.

package data

import (
	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
	"github.com/go-fonts/dejavu/dejavusansboldoblique"
	"github.com/go-fonts/dejavu/dejavusanscondensed"
	"github.com/go-fonts/dejavu/dejavusanscondensedbold"
	"github.com/go-fonts/dejavu/dejavusanscondensedboldoblique"
	"github.com/go-fonts/dejavu/dejavusanscondensedoblique"
	"github.com/go-fonts/dejavu/dejavusansextralight"
	"github.com/go-fonts/dejavu/dejavusansmono"
	"github.com/go-fonts/dejavu/dejavusansmonobold"
	"github.com/go-fonts/dejavu/dejavusansmonoboldoblique"
	"github.com/go-fonts/dejavu/dejavusansmonooblique"
	"github.com/go-fonts/dejavu/dejavusansoblique"
	"github.com/go-fonts/dejavu/dejavuserif"
	"github.com/go-fonts/dejavu/dejavuserifbold"
	"github.com/go-fonts/dejavu/dejavuserifbolditalic"
	"github.com/go-fonts/dejavu/dejavuserifcondensed"
	"github.com/go-fonts/dejavu/dejavuserifcondensedbold"
	"github.com/go-fonts/dejavu/dejavuserifcondensedbolditalic"
	"github.com/go-fonts/dejavu/dejavuserifcondenseditalic"
	"github.com/go-fonts/dejavu/dejavuserifitalic"
	"github.com/go-fonts/latin-modern/lmmono10italic"
	"github.com/go-fonts/latin-modern/lmmono10regular"
	"github.com/go-fonts/latin-modern/lmmonocaps10oblique"
	"github.com/go-fonts/latin-modern/lmmonocaps10regular"
	"github.com/go-fonts/latin-modern/lmmonolt10boldoblique"
	"github.com/go-fonts/latin-modern/lmmonolt10oblique"
	"github.com/go-fonts/latin-modern/lmmonolt10regular"
	"github.com/go-fonts/latin-modern/lmmonoltcond10oblique"
	"github.com/go-fonts/latin-modern/lmmonoltcond10regular"
	"github.com/go-fonts/latin-modern/lmmonoprop10oblique"
	"github.com/go-fonts/latin-modern/lmmonoprop10regular"
	"github.com/go-fonts/latin-modern/lmmonoproplt10bold"
	"github.com/go-fonts/latin-modern/lmmonoproplt10boldoblique"
	"github.com/go-fonts/latin-modern/lmmonoproplt10oblique"
	"github.com/go-fonts/latin-modern/lmmonoproplt10regular"
	"github.com/go-fonts/latin-modern/lmmonoslant10regular"
	"github.com/go-fonts/latin-modern/lmroman10bold"
	"github.com/go-fonts/latin-modern/lmroman10bolditalic"
	"github.com/go-fonts/latin-modern/lmroman10italic"
	"github.com/go-fonts/latin-modern/lmroman10regular"
	"github.com/go-fonts/latin-modern/lmroman17regular"
	"github.com/go-fonts/latin-modern/lmroman5bold"
	"github.com/go-fonts/latin-modern/lmroman5regular"
	"github.com/go-fonts/latin-modern/lmroman6bold"
	"github.com/go-fonts/latin-modern/lmroman6regular"
	"github.com/go-fonts/latin-modern/lmroman7bold"
	"github.com/go-fonts/latin-modern/lmroman7italic"
	"github.com/go-fonts/latin-modern/lmromancaps10oblique"
	"github.com/go-fonts/latin-modern/lmromancaps10regular"
	"github.com/go-fonts/latin-modern/lmromandemi10oblique"
	"github.com/go-fonts/latin-modern/lmromandemi10regular"
	"github.com/go-fonts/latin-modern/lmromandunh10oblique"
	"github.com/go-fonts/latin-modern/lmromandunh10regular"
	"github.com/go-fonts/latin-modern/lmromanslant10bold"
	"github.com/go-fonts/latin-modern/lmromanslant10regular"
	"github.com/go-fonts/latin-modern/lmromanslant17regular"
	"github.com/go-fonts/latin-modern/lmromanunsl10regular"
	"github.com/go-fonts/latin-modern/lmsans10bold"
	"github.com/go-fonts/latin-modern/lmsans10boldoblique"
	"github.com/go-fonts/latin-modern/lmsans10oblique"
	"github.com/go-fonts/latin-modern/lmsans10regular"
	"github.com/go-fonts/latin-modern/lmsansdemicond10oblique"
	"github.com/go-fonts/latin-modern/lmsansdemicond10regular"
	"github.com/go-fonts/latin-modern/lmsansquot8bold"
	"github.com/go-fonts/latin-modern/lmsansquot8boldoblique"
	"github.com/go-fonts/latin-modern/lmsansquot8oblique"
	"github.com/go-fonts/latin-modern/lmsansquot8regular"
	"github.com/go-fonts/liberation/liberationmonobold"
	"github.com/go-fonts/liberation/liberationmonobolditalic"
	"github.com/go-fonts/liberation/liberationmonoitalic"
	"github.com/go-fonts/liberation/liberationmonoregular"
	"github.com/go-fonts/liberation/liberationsansbold"
	"github.com/go-fonts/liberation/liberationsansbolditalic"
	"github.com/go-fonts/liberation/liberationsansitalic"
	"github.com/go-fonts/liberation/liberationsansregular"
	"github.com/go-fonts/liberation/liberationserifbold"
	"github.com/go-fonts/liberation/liberationserifbolditalic"
	"github.com/go-fonts/liberation/liberationserifitalic"
	"github.com/go-fonts/liberation/liberationserifregular"
	"github.com/go-fonts/stix/stix2textbold"
	"github.com/go-fonts/stix/stix2textbolditalic"
	"github.com/go-fonts/stix/stix2textitalic"
	"github.com/go-fonts/stix/stix2textmedium"
	"github.com/go-fonts/stix/stix2textmediumitalic"
	"github.com/go-fonts/stix/stix2textregular"
	"github.com/go-fonts/stix/stix2textsemibold"
	"github.com/go-fonts/stix/stix2textsemibolditalic"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomedium"
	"golang.org/x/image/font/gofont/gomediumitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/gomonobolditalic"
	"golang.org/x/image/font/gofont/gomonoitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/gofont/gosmallcaps"
	"golang.org/x/image/font/gofont/gosmallcapsitalic"
)

// builtinFontFiles returns the font files builtin:fonts renders: every text face of the Go fonts and of the
// go-fonts DejaVu, Latin Modern, Liberation and STIX modules (their math fonts are left out), 100 in all, except
// 25 of Latin Modern's optical sizes, which at 32×32 look like their 10-point design (Roman 7, 8, 9, 12 Regular;
// Roman 8, 9, 12 Bold and Italic; Roman Slanted 8, 9, 12; Sans 8, 9, 12, 17 Regular and Oblique; Mono 8, 9, 12
// and Mono Light 10 Bold): see TestBuiltinFontsHaveNoNearDuplicates. Each entry is labelled with its Go package
// path, shortened.
func builtinFontFiles() []fontFile {
	return []fontFile{
		{"gofont/gobold", gobold.TTF},
		{"gofont/gobolditalic", gobolditalic.TTF},
		{"gofont/goitalic", goitalic.TTF},
		{"gofont/gomedium", gomedium.TTF},
		{"gofont/gomediumitalic", gomediumitalic.TTF},
		{"gofont/gomono", gomono.TTF},
		{"gofont/gomonobold", gomonobold.TTF},
		{"gofont/gomonobolditalic", gomonobolditalic.TTF},
		{"gofont/gomonoitalic", gomonoitalic.TTF},
		{"gofont/goregular", goregular.TTF},
		{"gofont/gosmallcaps", gosmallcaps.TTF},
		{"gofont/gosmallcapsitalic", gosmallcapsitalic.TTF},
		{"go-fonts/dejavu/dejavusans", dejavusans.TTF},
		{"go-fonts/dejavu/dejavusansbold", dejavusansbold.TTF},
		{"go-fonts/dejavu/dejavusansboldoblique", dejavusansboldoblique.TTF},
		{"go-fonts/dejavu/dejavusanscondensed", dejavusanscondensed.TTF},
		{"go-fonts/dejavu/dejavusanscondensedbold", dejavusanscondensedbold.TTF},
		{"go-fonts/dejavu/dejavusanscondensedboldoblique", dejavusanscondensedboldoblique.TTF},
		{"go-fonts/dejavu/dejavusanscondensedoblique", dejavusanscondensedoblique.TTF},
		{"go-fonts/dejavu/dejavusansextralight", dejavusansextralight.TTF},
		{"go-fonts/dejavu/dejavusansmono", dejavusansmono.TTF},
		{"go-fonts/dejavu/dejavusansmonobold", dejavusansmonobold.TTF},
		{"go-fonts/dejavu/dejavusansmonoboldoblique", dejavusansmonoboldoblique.TTF},
		{"go-fonts/dejavu/dejavusansmonooblique", dejavusansmonooblique.TTF},
		{"go-fonts/dejavu/dejavusansoblique", dejavusansoblique.TTF},
		{"go-fonts/dejavu/dejavuserif", dejavuserif.TTF},
		{"go-fonts/dejavu/dejavuserifbold", dejavuserifbold.TTF},
		{"go-fonts/dejavu/dejavuserifbolditalic", dejavuserifbolditalic.TTF},
		{"go-fonts/dejavu/dejavuserifcondensed", dejavuserifcondensed.TTF},
		{"go-fonts/dejavu/dejavuserifcondensedbold", dejavuserifcondensedbold.TTF},
		{"go-fonts/dejavu/dejavuserifcondensedbolditalic", dejavuserifcondensedbolditalic.TTF},
		{"go-fonts/dejavu/dejavuserifcondenseditalic", dejavuserifcondenseditalic.TTF},
		{"go-fonts/dejavu/dejavuserifitalic", dejavuserifitalic.TTF},
		{"go-fonts/latin-modern/lmmono10italic", lmmono10italic.TTF},
		{"go-fonts/latin-modern/lmmono10regular", lmmono10regular.TTF},
		{"go-fonts/latin-modern/lmmonocaps10oblique", lmmonocaps10oblique.TTF},
		{"go-fonts/latin-modern/lmmonocaps10regular", lmmonocaps10regular.TTF},
		{"go-fonts/latin-modern/lmmonolt10boldoblique", lmmonolt10boldoblique.TTF},
		{"go-fonts/latin-modern/lmmonolt10oblique", lmmonolt10oblique.TTF},
		{"go-fonts/latin-modern/lmmonolt10regular", lmmonolt10regular.TTF},
		{"go-fonts/latin-modern/lmmonoltcond10oblique", lmmonoltcond10oblique.TTF},
		{"go-fonts/latin-modern/lmmonoltcond10regular", lmmonoltcond10regular.TTF},
		{"go-fonts/latin-modern/lmmonoprop10oblique", lmmonoprop10oblique.TTF},
		{"go-fonts/latin-modern/lmmonoprop10regular", lmmonoprop10regular.TTF},
		{"go-fonts/latin-modern/lmmonoproplt10bold", lmmonoproplt10bold.TTF},
		{"go-fonts/latin-modern/lmmonoproplt10boldoblique", lmmonoproplt10boldoblique.TTF},
		{"go-fonts/latin-modern/lmmonoproplt10oblique", lmmonoproplt10oblique.TTF},
		{"go-fonts/latin-modern/lmmonoproplt10regular", lmmonoproplt10regular.TTF},
		{"go-fonts/latin-modern/lmmonoslant10regular", lmmonoslant10regular.TTF},
		{"go-fonts/latin-modern/lmroman10bold", lmroman10bold.TTF},
		{"go-fonts/latin-modern/lmroman10bolditalic", lmroman10bolditalic.TTF},
		{"go-fonts/latin-modern/lmroman10italic", lmroman10italic.TTF},
		{"go-fonts/latin-modern/lmroman10regular", lmroman10regular.TTF},
		{"go-fonts/latin-modern/lmroman17regular", lmroman17regular.TTF},
		{"go-fonts/latin-modern/lmroman5bold", lmroman5bold.TTF},
		{"go-fonts/latin-modern/lmroman5regular", lmroman5regular.TTF},
		{"go-fonts/latin-modern/lmroman6bold", lmroman6bold.TTF},
		{"go-fonts/latin-modern/lmroman6regular", lmroman6regular.TTF},
		{"go-fonts/latin-modern/lmroman7bold", lmroman7bold.TTF},
		{"go-fonts/latin-modern/lmroman7italic", lmroman7italic.TTF},
		{"go-fonts/latin-modern/lmromancaps10oblique", lmromancaps10oblique.TTF},
		{"go-fonts/latin-modern/lmromancaps10regular", lmromancaps10regular.TTF},
		{"go-fonts/latin-modern/lmromandemi10oblique", lmromandemi10oblique.TTF},
		{"go-fonts/latin-modern/lmromandemi10regular", lmromandemi10regular.TTF},
		{"go-fonts/latin-modern/lmromandunh10oblique", lmromandunh10oblique.TTF},
		{"go-fonts/latin-modern/lmromandunh10regular", lmromandunh10regular.TTF},
		{"go-fonts/latin-modern/lmromanslant10bold", lmromanslant10bold.TTF},
		{"go-fonts/latin-modern/lmromanslant10regular", lmromanslant10regular.TTF},
		{"go-fonts/latin-modern/lmromanslant17regular", lmromanslant17regular.TTF},
		{"go-fonts/latin-modern/lmromanunsl10regular", lmromanunsl10regular.TTF},
		{"go-fonts/latin-modern/lmsans10bold", lmsans10bold.TTF},
		{"go-fonts/latin-modern/lmsans10boldoblique", lmsans10boldoblique.TTF},
		{"go-fonts/latin-modern/lmsans10oblique", lmsans10oblique.TTF},
		{"go-fonts/latin-modern/lmsans10regular", lmsans10regular.TTF},
		{"go-fonts/latin-modern/lmsansdemicond10oblique", lmsansdemicond10oblique.TTF},
		{"go-fonts/latin-modern/lmsansdemicond10regular", lmsansdemicond10regular.TTF},
		{"go-fonts/latin-modern/lmsansquot8bold", lmsansquot8bold.TTF},
		{"go-fonts/latin-modern/lmsansquot8boldoblique", lmsansquot8boldoblique.TTF},
		{"go-fonts/latin-modern/lmsansquot8oblique", lmsansquot8oblique.TTF},
		{"go-fonts/latin-modern/lmsansquot8regular", lmsansquot8regular.TTF},
		{"go-fonts/liberation/liberationmonobold", liberationmonobold.TTF},
		{"go-fonts/liberation/liberationmonobolditalic", liberationmonobolditalic.TTF},
		{"go-fonts/liberation/liberationmonoitalic", liberationmonoitalic.TTF},
		{"go-fonts/liberation/liberationmonoregular", liberationmonoregular.TTF},
		{"go-fonts/liberation/liberationsansbold", liberationsansbold.TTF},
		{"go-fonts/liberation/liberationsansbolditalic", liberationsansbolditalic.TTF},
		{"go-fonts/liberation/liberationsansitalic", liberationsansitalic.TTF},
		{"go-fonts/liberation/liberationsansregular", liberationsansregular.TTF},
		{"go-fonts/liberation/liberationserifbold", liberationserifbold.TTF},
		{"go-fonts/liberation/liberationserifbolditalic", liberationserifbolditalic.TTF},
		{"go-fonts/liberation/liberationserifitalic", liberationserifitalic.TTF},
		{"go-fonts/liberation/liberationserifregular", liberationserifregular.TTF},
		{"go-fonts/stix/stix2textbold", stix2textbold.TTF},
		{"go-fonts/stix/stix2textbolditalic", stix2textbolditalic.TTF},
		{"go-fonts/stix/stix2textitalic", stix2textitalic.TTF},
		{"go-fonts/stix/stix2textmedium", stix2textmedium.TTF},
		{"go-fonts/stix/stix2textmediumitalic", stix2textmediumitalic.TTF},
		{"go-fonts/stix/stix2textregular", stix2textregular.TTF},
		{"go-fonts/stix/stix2textsemibold", stix2textsemibold.TTF},
		{"go-fonts/stix/stix2textsemibolditalic", stix2textsemibolditalic.TTF},
	}
}
