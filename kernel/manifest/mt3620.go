package manifest

// MT3620 facts used to validate peripheral requests (reference §1.4, and the
// hardware-definition file mt3620.json).

// MaxMutableStorageKB is the largest MutableStorage.SizeKB a manifest may request.
const MaxMutableStorageKB = 64

// gpioExists reports whether n is a GPIO number that apps may request on the
// MT3620: 0–23, 26–48, 56–75 and 80.
func gpioExists(n int) bool {
	switch {
	case n >= 0 && n <= 23, n >= 26 && n <= 48, n >= 56 && n <= 75, n == 80:
		return true
	}
	return false
}

// pinRange is an inclusive range of GPIO numbers.
type pinRange struct{ first, last int }

// isuPins are the pin blocks of the serial interface units; an ISU used as
// UART, I2C master or SPI master claims the whole block.
var isuPins = map[string]pinRange{
	"ISU0": {26, 30},
	"ISU1": {31, 35},
	"ISU2": {36, 40},
	"ISU3": {66, 70},
	"ISU4": {71, 75},
}

// pwmPins are the pins of each PWM controller.
var pwmPins = map[string]pinRange{
	"PWM-CONTROLLER-0": {0, 3},
	"PWM-CONTROLLER-1": {4, 7},
	"PWM-CONTROLLER-2": {8, 11},
}

// adcPins are the pins of the ADC controller (channels 0–7).
var adcPins = map[string]pinRange{
	"ADC-CONTROLLER-0": {41, 48},
}

// i2sPins are the pin groups of the I2S subordinate interfaces. The
// reference tags these ranges [R] (recalled, not re-verified); they agree
// with the MT3620 datasheet's I2S0/I2S1 pin groups.
var i2sPins = map[string]pinRange{
	"I2S0": {56, 60},
	"I2S1": {61, 65},
}

// eintExists reports whether name is an external interrupt "EINT0".."EINT23".
// External interrupts claim no pins of their own here: an RT app uses one
// together with the GPIO it watches.
func eintExists(name string) bool {
	if len(name) < 5 || len(name) > 6 || name[:4] != "EINT" {
		return false
	}
	n := 0
	for _, c := range name[4:] {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	// Reject a leading zero such as "EINT05".
	if len(name) == 6 && name[4] == '0' {
		return false
	}
	return n <= 23
}
