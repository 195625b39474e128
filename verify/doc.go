// Package verify is sdgan's identity verifier: a small Siamese embedding network that maps an image to a unit
// vector such that images of one identity lie close together. It stands in for the off-the-shelf face verifier
// (FaceNet) that the SD-GAN paper used to measure identity coherence: two images are called "the same identity"
// when the cosine similarity of their embeddings is at least the verifier's threshold.
//
// The network is 4 convolutions 3×3 stride 2 with batch norm and LeakyReLU(0.2), then a dense layer to the
// embedding, L2-normalised. It trains with the batch-hard triplet loss (Hermans, Beyer, Leibe 2017) on batches
// of P identities × K images, and is scored on identities it never saw (a held-out split of the data): ROC AUC,
// equal error rate, and accuracy at the EER threshold, which becomes the verifier's threshold.
//
// A verifier is one safetensors file (Save, Load) holding the network's tensors and, as metadata, its Config,
// the threshold, the held-out identity names and the training facts.
package verify
