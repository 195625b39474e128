package main

import (
	"flag"
	"slices"
	"strings"

	"sdgan/nn"
)

// deviceFlag is --device: the compute device whose backend holds the tensors and runs the kernels (package nn's
// Backend). This build has the CPU only; a name it lacks is refused while parsing, with the list of devices.
type deviceFlag struct{ name string }

func (d *deviceFlag) String() string {
	if d.name == "" {
		return "cpu"
	}
	return d.name
}

func (d *deviceFlag) Set(s string) error {
	if !slices.Contains(nn.Devices(), s) {
		return nn.UseDevice(s) // an unknown name only gets the error, which lists the devices
	}
	d.name = s
	return nil
}

// addDeviceFlag declares --device on fs.
func addDeviceFlag(fs *flag.FlagSet, d *deviceFlag) {
	fs.Var(d, "device", "compute `device` (default cpu): "+strings.Join(nn.Devices(), ", ")+
		" in this build; a CUDA backend is planned, not yet written")
}

// use makes the device's backend the one new tensors live on: call it before anything makes a tensor.
func (d *deviceFlag) use() error { return nn.UseDevice(d.String()) }
