// Package eval holds the metric functions sdgan uses to judge generated images the way the SD-GAN paper
// (Donahue et al., ICLR 2018) did: diversity with MS-SSIM (lower = more diverse), identity coherence with a
// verifier's scores on same-identity and different-identity pairs (ROC, AUC, equal error rate, accuracy), and
// the Fréchet distance between Gaussians fitted to feature vectors (as in FID).
//
// Every function here is pure: plain slices in, numbers out, no state, no I/O. Images are float32 in NHWC
// layout without the batch axis, that is [H, W, C] with index (y*W+x)*C+ch.
//
// Bad data (empty inputs, mismatched sizes, NaN scores) is reported as an error that names the argument and
// says what was expected.
package eval
