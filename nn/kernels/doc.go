// Package kernels holds the dense float32 compute kernels used by package nn:
// a general matrix multiply (Sgemm) and 2-D convolutions (Conv2D and its two
// gradients) built on it through im2col / col2im.
//
// All matrices are row-major. Images are NHWC and convolution filters HWIO
// ([KH, KW, C, F]). The functions panic when their arguments do not describe
// consistent shapes (a programming error, as in gonum); the messages start
// with "kernels:" and name the shapes.
//
// On amd64 the GEMM inner loop is a Go assembly micro-kernel (AVX-512 or
// AVX2+FMA, chosen at start-up from the CPU features); on other CPUs, or when
// built with the tag noasm, a portable Go kernel is used.
package kernels
