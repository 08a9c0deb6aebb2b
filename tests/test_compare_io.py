"""compare inputs: analyze result CSVs and the battery file, including bad input."""

from __future__ import annotations

import pytest
from compare_helpers import hop_set, write_result

from legrsi.compare import compare_files, observations_from_reps, read_results
from legrsi.compare_battery import read_battery
from legrsi.types import TAKEOFF, TOUCHDOWN, Event, LegrsiError, Rep

G = 9.80665


def values(inputs, test, metric, leg="left"):
    return [o.value for o in inputs.observations
            if (o.test, o.metric, o.leg) == (test, metric, leg)]


# ---------------------------------------------------------------- analyze results

def test_hop_set_metrics_recomputed_from_contact_and_flight(tmp_path):
    rows = hop_set("hops_l", "left", [(250.0, 400.0), (200.0, 360.0)])
    rows += [("hops_l", "left", 1, 4, 1500.0, 350.0),  # after a 1.5 s contact: not a hop
             ("hops_l", "left", 1, 5, 220.0, None)]  # clip ends in the air: contact only
    inp = read_results([write_result(tmp_path / "l.csv", rows)])
    assert values(inp, "sl_rsi", "rsi") == pytest.approx([1.6, 1.8])
    assert values(inp, "sl_rsi", "contact_ms") == pytest.approx([250.0, 200.0, 220.0])
    assert values(inp, "sl_rsi", "flight_ms") == pytest.approx([400.0, 360.0])
    assert values(inp, "sl_rsi", "jump_height_cm") == pytest.approx(
        [G * 0.4**2 / 8 * 100, G * 0.36**2 / 8 * 100])
    assert values(inp, "sl_rsi", "rsi_mod") == pytest.approx(
        [G * 0.4**2 / 8 / 0.25, G * 0.36**2 / 8 / 0.2])
    # the standing start (rep 1) is neither a hop nor a vertical jump trial
    assert values(inp, "sl_vertical_jump", "jump_height_cm") == []
    assert any("rep 4 after a ground contact over 1 s" in w for w in inp.warnings)
    assert [o.rep for o in inp.observations if o.metric == "rsi"] == [2, 3]


def test_impossible_take_offs_are_left_out_and_named(tmp_path):
    rows = hop_set("l", "left", [(250.0, 400.0), (37.0, 150.0), (250.0, 1058.0)])
    inp = read_results([write_result(tmp_path / "l.csv", rows)])
    assert values(inp, "sl_rsi", "rsi") == pytest.approx([1.6])
    w = "\n".join(inp.warnings)
    assert "l.csv line 4: contact 37 ms is too short for a hop: take-off left out" in w
    assert "l.csv line 5: flight 1058 ms is too long for a single-leg jump" in w


def test_sets_without_hops_are_vertical_jumps(tmp_path):
    # legrsi analyze: each jump from standing is its own set with no contact time
    rows = [("vj_r", "right", 1, 1, None, 400.0), ("vj_r", "right", 2, 1, None, 380.0),
            ("vj_r", "right", 3, 1, None, None)]
    inp = read_results([write_result(tmp_path / "vj.csv", rows)])
    assert values(inp, "sl_vertical_jump", "jump_height_cm", "right") == pytest.approx(
        [G * 0.4**2 / 8 * 100, G * 0.38**2 / 8 * 100])
    assert values(inp, "sl_rsi", "rsi", "right") == []


def test_many_clips_and_sets_per_leg_are_pooled(tmp_path):
    a = write_result(tmp_path / "a.csv", hop_set("l1", "left", [(250.0, 400.0)] * 3)
                     + hop_set("l1", "left", [(200.0, 400.0)] * 3, set_no=2))
    b = write_result(tmp_path / "b.csv", hop_set("l2", "L", [(250.0, 300.0)] * 2))
    c = write_result(tmp_path / "c.csv", hop_set("r1", "Right", [(200.0, 400.0)] * 4))
    comp = compare_files([a, b, c])
    left = comp.stat("sl_rsi", "rsi", "left")
    assert left.n == 8
    assert left.mean == pytest.approx((3 * 1.6 + 3 * 2.0 + 2 * 1.2) / 8)
    assert comp.stat("sl_rsi", "rsi", "right").n == 4
    assert {o.group for o in comp.observations if o.leg == "left"} == {
        "l1 set 1", "l1 set 2", "l2 set 1"}


def test_not_an_analyze_result_is_named_and_the_rest_is_read(tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("name,score\nx,1\n")
    video = tmp_path / "clip.csv"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42\xff\xfe\x80")
    good = write_result(tmp_path / "l.csv", hop_set("l", "left", [(250.0, 400.0)]))
    inp = read_results([bad, video, good])
    assert any(w.startswith("notes.csv line 1: not a legrsi analyze result, missing column(s)"
                            " clip, leg, set, rep, contact_ms, flight_ms") for w in inp.warnings)
    assert any(w.startswith("clip.csv: not a text CSV") for w in inp.warnings)
    assert values(inp, "sl_rsi", "rsi") == pytest.approx([1.6])


def test_battery_file_given_as_result_gets_a_hint(tmp_path):
    f = tmp_path / "battery.csv"
    f.write_text("test,leg,value\nsprint,left,1.9\n")
    inp = read_results([f])
    assert "pass it with --battery" in inp.warnings[0]


def test_bad_cells_name_file_line_and_field(tmp_path):
    rows = hop_set("l", "left", [(250.0, 400.0), ("abc", 400.0), (250.0, -3)])
    rows += [("l", "both", 1, 5, 250.0, 400.0), ("l", "both", 1, 6, 250.0, 400.0),
             ("l", "both", 1, 7, 250.0, 400.0), ("l", "left", "x", 8, 250.0, 400.0)]
    inp = read_results([write_result(tmp_path / "l.csv", rows)])
    w = "\n".join(inp.warnings)
    assert "l.csv line 4, field contact_ms: 'abc' is not a number; row skipped" in w
    assert "l.csv line 5, field flight_ms: -3 ms is not a plausible duration" in w
    # the same problem on consecutive lines is one message
    assert "l.csv lines 6-8, field leg: 'both' is not left or right" in w
    assert "rows skipped" in w
    assert "l.csv line 9, field set: 'x' is not a whole number" in w
    assert values(inp, "sl_rsi", "rsi") == pytest.approx([1.6])


def test_leg_from_file_name_when_the_cell_is_empty(tmp_path):
    f = write_result(tmp_path / "hops_right_240fps.csv",
                     hop_set("hops_right_240fps", "", [(250.0, 400.0)]))
    inp = read_results([f])
    assert values(inp, "sl_rsi", "rsi", "right") == pytest.approx([1.6])
    assert any("read as right from the clip or file name" in w for w in inp.warnings)


def test_same_result_twice_is_not_counted_twice(tmp_path):
    f = write_result(tmp_path / "l.csv", hop_set("l", "left", [(250.0, 400.0)] * 3))
    inp = read_results([f, f])
    assert len(values(inp, "sl_rsi", "rsi")) == 3
    assert any("duplicate skipped" in w for w in inp.warnings)


def test_different_athletes_are_named(tmp_path):
    a = write_result(tmp_path / "a.csv", hop_set("a", "left", [(250.0, 400.0)]), "Sam")
    b = write_result(tmp_path / "b.csv", hop_set("b", "right", [(250.0, 400.0)]), "Kim")
    comp = compare_files([a, b])
    assert comp.athlete == "Sam / Kim"
    assert any(w.startswith("the inputs name different athletes: Sam (a.csv), Kim (b.csv)")
               for w in comp.warnings)


def test_observations_from_reps_python_api():
    def ev(kind, t):
        return Event(kind, int(t * 240), t)

    reps = [Rep("c", "left", 1, 1, None, ev(TAKEOFF, 1.0), ev(TOUCHDOWN, 1.4), None, 0.4,
                None, None),
            Rep("c", "left", 1, 2, ev(TOUCHDOWN, 1.4), ev(TAKEOFF, 1.65), ev(TOUCHDOWN, 2.05),
                0.25, 0.4, 1.6, None)]
    inp = observations_from_reps(reps)
    assert values(inp, "sl_rsi", "rsi") == pytest.approx([1.6])
    assert values(observations_from_reps(reps, leg="right"), "sl_rsi", "rsi", "right") == [
        pytest.approx(1.6)]


# ---------------------------------------------------------------- battery CSV

BATTERY_CSV = """\
test,leg,value,unit,note
# sprints: leg = start leg
sprint_10m,left,1.92,,first
sprint,R,1880,ms
broad_jump,left,182,cm
Broad Jump,right,1.95,m
vertical_jump,left,7.5,in
vj,right,21
"""


def test_battery_csv_units_and_spellings(tmp_path):
    f = tmp_path / "battery.csv"
    f.write_text(BATTERY_CSV)
    inp = read_battery(f)
    assert inp.warnings == []
    assert values(inp, "sprint_10m", "time_s") == pytest.approx([1.92])
    assert values(inp, "sprint_10m", "time_s", "right") == pytest.approx([1.88])
    assert values(inp, "sl_broad_jump", "distance_cm", "right") == pytest.approx([195.0])
    assert values(inp, "sl_vertical_jump", "jump_height_cm") == pytest.approx([7.5 * 2.54])
    assert {o.kind for o in inp.observations} == {"battery"}
    assert inp.observations[0].origin == "battery.csv line 3"


def test_battery_csv_typos_name_line_and_field_and_keep_the_rest(tmp_path):
    f = tmp_path / "battery.csv"
    f.write_text("test,leg,value\n"
                 "sprint_10m,left,1.92\n"
                 "sprnt_10m,left,1.93\n"       # line 3: test typo
                 "sprint_10m,rihgt,1.90\n"     # line 4: leg typo
                 "broad_jump,left,1.82\n"      # line 5: metres without unit
                 "broad_jump,right,1,95\n"     # line 6: decimal comma
                 "broad_jump,right,abc\n"      # line 7
                 "sl_rsi,left,1.5\n"           # line 8: RSI is not typed in
                 "broad_jump,right,195\n")
    inp = read_battery(f)
    w = "\n".join(inp.warnings)
    assert ("battery.csv line 3, field test: unknown test 'sprnt_10m' (did you mean "
            "'sprint_10m'?)") in w
    assert "battery.csv line 4, field leg: 'rihgt' is not left or right (did you mean " \
           "'right'?)" in w
    assert ("battery.csv line 5, field value: 1.82 cm is not a plausible single-leg broad jump"
            " result (20-400 cm); did you mean 1.82 m?") in w
    assert "battery.csv line 6: 4 fields but the header has 3 (a decimal comma? write 1.92)" in w
    assert "battery.csv line 7, field value: 'abc' is not a number" in w
    assert "battery.csv line 8, field test: 'sl_rsi': single-leg RSI comes from the analyze" in w
    assert len(inp.warnings) == 6
    assert values(inp, "sprint_10m", "time_s") == [1.92]
    assert values(inp, "sl_broad_jump", "distance_cm", "right") == [195.0]


def test_battery_csv_semicolons_and_decimal_commas(tmp_path):
    f = tmp_path / "b.csv"
    f.write_text("Test; Leg; Value\nsprint;L;1,92\nsprint;R;1,88\n")
    inp = read_battery(f)
    assert values(inp, "sprint_10m", "time_s") == [1.92]
    assert values(inp, "sprint_10m", "time_s", "right") == [1.88]


def test_battery_csv_missing_column_is_an_error(tmp_path):
    f = tmp_path / "b.csv"
    f.write_text("test,leg,vlaue\nsprint,left,1.9\n")
    with pytest.raises(LegrsiError, match=r"b.csv line 1: missing column 'value' \(did you mean "
                                          r"'vlaue'\?\)"):
        read_battery(f)


# ---------------------------------------------------------------- battery TOML

BATTERY_TOML = """\
athlete = "Sam"

[sprint_10m]
left = [1.92, 1.95, 1.90]
right = [1.88, 1.87]

[broad_jump]
unit = "m"
left = [1.82, 1.78]
right = 1.95

[vertical_jump]
left = [18.5, 19.0]
"""


def test_battery_toml(tmp_path):
    f = tmp_path / "b.toml"
    f.write_text(BATTERY_TOML)
    inp = read_battery(f)
    assert inp.warnings == []
    assert inp.athlete == "Sam"
    assert values(inp, "sprint_10m", "time_s") == pytest.approx([1.92, 1.95, 1.90])
    assert values(inp, "sl_broad_jump", "distance_cm") == pytest.approx([182.0, 178.0])
    assert values(inp, "sl_broad_jump", "distance_cm", "right") == pytest.approx([195.0])
    assert values(inp, "sl_vertical_jump", "jump_height_cm") == pytest.approx([18.5, 19.0])


def test_battery_toml_typos_name_line_and_field(tmp_path):
    f = tmp_path / "b.toml"
    f.write_text('athlete = "Sam"\n'
                 "[sprint_10m]\n"
                 "left = [1.92, 19.5]\n"   # line 3: second value implausible
                 "rigth = [1.88]\n"        # line 4: leg typo
                 "[vertcal_jump]\n"        # line 5: test typo
                 "left = [20]\n"
                 "[broad_jump]\n"
                 'right = [195, "x"]\n')   # line 8
    inp = read_battery(f)
    w = "\n".join(inp.warnings)
    assert "b.toml line 3, field left[2]: 19.5 s is not a plausible 10 m sprint result" in w
    assert "b.toml line 4, field leg: 'rigth' is not left or right (did you mean 'right'?)" in w
    assert ("b.toml line 5, field test: unknown test 'vertcal_jump' (did you mean "
            "'vertical_jump'?)") in w
    assert "b.toml line 8, field right[2]: 'x' is not a number" in w
    assert values(inp, "sprint_10m", "time_s") == [1.92]
    assert values(inp, "sl_broad_jump", "distance_cm", "right") == [195.0]


def test_battery_toml_syntax_error_names_the_line(tmp_path):
    f = tmp_path / "b.toml"
    f.write_text("[sprint_10m\nleft = [1.9]\n")
    with pytest.raises(LegrsiError, match=r"b.toml: TOML syntax error: .*line 1"):
        read_battery(f)


def test_battery_pooled_with_video_and_method_mix_warned(tmp_path):
    res = write_result(tmp_path / "vj.csv", [("vj", "left", 1, 1, None, 400.0),
                                             ("vj", "left", 2, 1, None, 390.0)])
    bat = tmp_path / "b.csv"
    bat.write_text("test,leg,value\nvj,right,21\nvj,right,22\n")
    comp = compare_files([res], bat)
    assert comp.stat("sl_vertical_jump", "jump_height_cm", "right").mean == pytest.approx(21.5)
    assert comp.stat("sl_vertical_jump", "jump_height_cm", "left").kinds == "video"
    assert any("left measured from video, right from battery" in w for w in comp.warnings)
