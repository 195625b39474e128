package kernels

import "strings"

// displayFamilyModel decodes CPUID leaf 1's EAX the way Intel's and AMD's manuals (and Linux's /proc/cpuinfo) do:
// the extended family is added when the base family is 15, the extended model is prepended when the base family
// is 6 or 15 and more.
func displayFamilyModel(eax uint32) (family, model int) {
	family, model = int(eax>>8&0xf), int(eax>>4&0xf)
	if family == 0xf {
		family += int(eax >> 20 & 0xff)
	}
	if family == 6 || family >= 0xf {
		model += int(eax>>16&0xf) << 4
	}
	return family, model
}

// cleanBrand trims the brand string's NUL padding and runs of spaces.
func cleanBrand(b []byte) string {
	s := strings.TrimRight(string(b), "\x00")
	return strings.Join(strings.Fields(s), " ")
}
