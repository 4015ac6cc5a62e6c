// applibs pwm.h for sphere-emu: one host call per function; PwmState travels as arguments.
#include <applibs/pwm.h>

#include <errno.h>
#include <stddef.h>

#include "abi.h"

int PWM_Open(PWM_ControllerId pwm)
{
    return applibs_result(__applibs_pwm_open(pwm));
}

int PWM_Apply(int pwmFd, PWM_ChannelId pwmChannel, const PwmState *newState)
{
    if (newState == NULL) {
        return applibs_fail(EINVAL);  // the real header documents EINVAL, not EFAULT, here
    }
    return applibs_result(__applibs_pwm_apply(pwmFd, pwmChannel, newState->period_nsec,
                                              newState->dutyCycle_nsec, newState->polarity,
                                              newState->enabled ? 1u : 0u));
}
