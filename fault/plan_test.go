package fault

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/sim"
)

// samplePlan is testdata/plan.yaml written in Go.
func samplePlan() *Plan {
	return &Plan{Faults: []Fault{
		{Name: "kernel bit rot", Trigger: Trigger{At: D(0)}, Action: Action{Flash: &FlashAction{Flip: &BitFlip{Partition: "kernel", Offset: 0x40, Bit: Int(3), Mode: ModeToggle}}}},
		{Trigger: Trigger{On: &EventFilter{Event: "stage.verify", Dom: "pluton", Fields: map[string]string{"stage": "rootfs"}, Nth: 1}},
			Action: Action{Message: &MessageAction{From: "kernel", To: "secmon", Kind: "secmon.ReadApplicationImage", Op: MsgDrop}}},
		{Trigger: Trigger{On: &EventFilter{Event: "mbox.send", Fields: map[string]string{"from": "kernel"}}, Probability: 0.25},
			Action: Action{Message: &MessageAction{Op: MsgFlip, Offset: Int(20), Bit: Int(1), Count: 2}}},
		{Trigger: Trigger{At: D(1500 * sim.Millisecond)}, Action: Action{Power: &PowerAction{OffFor: D(10 * sim.Millisecond)}}},
		{Trigger: Trigger{On: &EventFilter{Event: "flash.op", Nth: 3}}, Action: Action{Power: &PowerAction{FlashOp: 2, OffFor: D(10 * sim.Millisecond)}}},
		{Trigger: Trigger{At: D(2 * sim.Second)}, Action: Action{Flash: &FlashAction{Fail: &FailRegion{Partition: "update-staging", Ops: OpsErase}}}},
		{Trigger: Trigger{At: D(3 * sim.Second)}, Action: Action{Message: &MessageAction{To: "pluton", Op: MsgDelay, Delay: D(5 * sim.Millisecond)}}},
		{Trigger: Trigger{At: D(3 * sim.Second)}, Action: Action{Message: &MessageAction{Op: MsgTruncate, Length: Int(12)}}},
		{Trigger: Trigger{At: D(4 * sim.Second)}, Action: Action{Message: &MessageAction{Op: MsgDuplicate}}},
		{Trigger: Trigger{At: D(4 * sim.Second)}, Action: Action{Peripheral: &PeripheralAction{ADC: &ADCStuck{Channel: 1, Volts: 1.25}}}},
		{Trigger: Trigger{At: D(5 * sim.Second)}, Action: Action{Peripheral: &PeripheralAction{Network: NetDown}}},
	}}
}

func TestYAMLJSONAndGoValuesAgree(t *testing.T) {
	want := samplePlan()
	require.NoError(t, want.Validate())
	for _, name := range []string{"plan.yaml", "plan.json"} {
		p, err := Load(filepath.Join("testdata", name))
		require.NoError(t, err, name)
		require.Equal(t, want, p, name)
	}
	// A plan written back as JSON parses to itself.
	b, err := json.Marshal(want)
	require.NoError(t, err)
	p, err := ParseJSON(b)
	require.NoError(t, err)
	require.Equal(t, want, p)
	// Parse sniffs the format.
	y, err := os.ReadFile(filepath.Join("testdata", "plan.yaml"))
	require.NoError(t, err)
	p, err = Parse(y)
	require.NoError(t, err)
	require.Equal(t, want, p)
}

func TestParseErrorsNameThePath(t *testing.T) {
	for _, c := range []struct {
		name, plan, want string
	}{
		{"unknown top field", `{"faults": [], "extra": 1}`, `extra: unknown field (want one of faults)`},
		{"unknown trigger field", `{"faults": [{"trigger": {"at": 0, "when": 1}, "action": {"power": {}}}]}`, `faults[0].trigger.when: unknown field`},
		{"no trigger", `{"faults": [{"action": {"power": {}}}]}`, `faults[0].trigger: want one of at or on`},
		{"two triggers", `{"faults": [{"trigger": {"at": 0, "on": {"event": "x"}}, "action": {"power": {}}}]}`, `faults[0].trigger: want one of at or on, not both`},
		{"no action", `{"faults": [{"trigger": {"at": 0}, "action": {}}]}`, `faults[0].action: want exactly one of`},
		{"two actions", `{"faults": [{"trigger": {"at": 0}, "action": {"power": {}, "peripheral": {"network": "down"}}}]}`, `faults[0].action: want exactly one of`},
		{"bad duration", `{"faults": [{"trigger": {"at": "soon"}, "action": {"power": {}}}]}`, `faults[0].trigger.at: "soon" is not a duration`},
		{"negative time", `{"faults": [{"trigger": {"at": "-1s"}, "action": {"power": {}}}]}`, `faults[0].trigger.at: -1000000000 is negative`},
		{"probability", `{"faults": [{"trigger": {"at": 0, "probability": 1.5}, "action": {"power": {}}}]}`, `faults[0].trigger.probability: 1.5 is not in 0..1`},
		{"no event", `{"faults": [{"trigger": {"on": {"nth": 2}}, "action": {"power": {}}}]}`, `faults[0].trigger.on.event: missing`},
		{"offset range", `{"faults": [{"trigger": {"at": 0}, "action": {"flash": {"flip": {"offset": 4294967296}}}}]}`, `faults[0].action.flash.flip.offset: 4294967296 is not an integer in 0..4294967295`},
		{"negative offset", `{"faults": [{"trigger": {"at": 0}, "action": {"flash": {"flip": {"offset": -1}}}}]}`, `faults[0].action.flash.flip.offset: -1 is not an integer`},
		{"bit", `{"faults": [{"trigger": {"at": 0}, "action": {"flash": {"flip": {"offset": 1, "bit": 9}}}}]}`, `faults[0].action.flash.flip.bit: 9 is not 0–7`},
		{"mode", `{"faults": [{"trigger": {"at": 0}, "action": {"flash": {"flip": {"offset": 1, "mode": "zap"}}}}]}`, `faults[0].action.flash.flip.mode: "zap" is not toggle, set0 or set1`},
		{"flip and fail", `{"faults": [{"trigger": {"at": 0}, "action": {"flash": {"flip": {"offset": 1}, "fail": {}}}}]}`, `faults[0].action.flash: want exactly one of flip or fail`},
		{"ops", `{"faults": [{"trigger": {"at": 0}, "action": {"flash": {"fail": {"ops": "read"}}}}]}`, `faults[0].action.flash.fail.ops: "read" is not both, program or erase`},
		{"domain", `{"faults": [{"trigger": {"at": 0}, "action": {"message": {"from": "cloud", "op": "drop"}}}]}`, `faults[0].action.message.from: "cloud" is not a domain`},
		{"op", `{"faults": [{"trigger": {"at": 0}, "action": {"message": {"op": "eat"}}}]}`, `faults[0].action.message.op: "eat" is not drop`},
		{"missing op", `{"faults": [{"trigger": {"at": 0}, "action": {"message": {}}}]}`, `faults[0].action.message.op: missing`},
		{"delay missing", `{"faults": [{"trigger": {"at": 0}, "action": {"message": {"op": "delay"}}}]}`, `faults[0].action.message.delay: missing (op delay)`},
		{"extra for op", `{"faults": [{"trigger": {"at": 0}, "action": {"message": {"op": "drop", "bit": 1}}}]}`, `faults[0].action.message.bit: not used by op drop`},
		{"adc channel", `{"faults": [{"trigger": {"at": 0}, "action": {"peripheral": {"adc": {"channel": 8, "volts": 1}}}}]}`, `faults[0].action.peripheral.adc.channel: 8 is not 0–7`},
		{"network", `{"faults": [{"trigger": {"at": 0}, "action": {"peripheral": {"network": "flaky"}}}]}`, `faults[0].action.peripheral.network: "flaky" is not down or up`},
		{"wrong type", `{"faults": {"a": 1}}`, `faults: want a list, got an object`},
		{"null", `{"faults": [{"trigger": {"at": null}, "action": {"power": {}}}]}`, `faults[0].trigger.at: null is not allowed`},
		{"duplicate key", `{"faults": [], "faults": []}`, `plan.faults: given twice`},
		{"trailing", `{"faults": []} {}`, `plan: JSON continues after the plan`},
		{"second fault", `{"faults": [{"trigger": {"at": 0}, "action": {"power": {}}}, {"trigger": {"at": 0}, "action": {"power": {"off_for": "x"}}}]}`, `faults[1].action.power.off_for: "x" is not a duration`},
		{"yaml unknown", "faults:\n  - trigger: {at: 0}\n    action: {power: {cut: yes}}\n", `faults[0].action.power.cut: unknown field`},
		{"yaml duplicate", "faults: []\nfaults: []\n", `plan.faults: given twice`},
		{"yaml alias", "a: &x 1\nfaults: *x\n", `aliases are not supported`},
		{"yaml two docs", "faults: []\n---\nfaults: []\n", `want one YAML document`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.plan))
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
}

func TestDescribeTrigger(t *testing.T) {
	p := samplePlan()
	require.Equal(t, "at 0s", p.Faults[0].Trigger.describe())
	require.Equal(t, "on 1st stage.verify by pluton stage=rootfs", p.Faults[1].Trigger.describe())
	require.Equal(t, "on 1st mbox.send from=kernel with probability 0.25", p.Faults[2].Trigger.describe())
	require.Equal(t, "on 3rd flash.op", p.Faults[4].Trigger.describe())
}

// TestMorePlanKinds: every action kind added after plan.yaml parses from
// YAML, validates, and survives a round trip through JSON.
func TestMorePlanKinds(t *testing.T) {
	p, err := Load(filepath.Join("testdata", "plan-more.yaml"))
	require.NoError(t, err)
	require.Len(t, p.Faults, 22)
	require.Equal(t, Hex32(0x38040004), p.Faults[10].Action.Peripheral.Register.Addr)
	require.Equal(t, MsgReorder, p.Faults[17].Action.Message.Op)
	out, err := json.Marshal(p)
	require.NoError(t, err)
	q, err := ParseJSON(out)
	require.NoError(t, err, "%s", out)
	require.Equal(t, p, q)
}
