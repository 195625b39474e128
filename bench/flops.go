package bench

// convFlops is the multiply-adds ×2 of a convolution producing oh×ow×f from c channels with a k×k filter, per image.
func convFlops(oh, ow, f, k, c int) float64 { return 2 * float64(oh*ow*f*k*k*c) }

// dcganGenFlops is the forward work of the SD-DCGAN generator per image (a transposed convolution costs what the
// convolution it transposes does).
func dcganGenFlops(res int) float64 {
	ch := []int{512, 256, 128, 64, 3}
	if res == 32 {
		ch = []int{256, 128, 64, 3}
	}
	total := 2 * float64(100*4*4*ch[0])
	s := 4
	for i := 0; i+1 < len(ch); i++ {
		total += convFlops(s, s, ch[i], 5, ch[i+1]) // the convolution from 2s×2s×ch[i+1] to s×s×ch[i]
		s *= 2
	}
	return total
}

// dcganTowerFlops is the forward work of the discriminator per image (tower) and per pair (merge and dense).
func dcganTowerFlops(res int) (perImage, first, perPair float64) {
	ch := []int{3, 64, 128, 256, 512}
	if res == 32 {
		ch = ch[:4]
	}
	s := res
	for i := 0; i+1 < len(ch); i++ {
		s /= 2
		f := convFlops(s, s, ch[i+1], 5, ch[i])
		if i == 0 {
			first = f
		}
		perImage += f
	}
	c := ch[len(ch)-1]
	perPair = convFlops(2, 2, c, 3, 2*c) + 2*float64(4*c)
	return perImage, first, perPair
}

// dcganStepFlops is the nominal work of the reference training step (32 pairs, 64 images per pass), counted as
// PyTorch does it: G forward and backward (input and weight gradients: 3× forward); D on real and on detached
// fake, forward and backward without the input gradient of the first layer; D on fake again for G's loss,
// forward and backward with every gradient (PyTorch computes D's weight gradients there too; sdgan skips them,
// so it does less work than this count).
func dcganStepFlops(res int) float64 {
	const images, pairs = 64, 32
	g := images * dcganGenFlops(res)
	img, first, pair := dcganTowerFlops(res)
	d := images*img + pairs*pair
	return 3*g + 2*(3*d-images*first) + 3*d
}
