"""Lead and responsible units in the forms the genre writes them (made-up snippets)."""
from policykg.ingest.pipeline import extract_text


def roles(text, city="某市"):
    doc = extract_text(text, overrides={"city": city})
    return [(p.id, [m.name for m in p.lead_units], [m.name for m in p.responsible_units]) for p in doc.provisions
            if p.lead_units or p.responsible_units]


def test_labelled_lead_and_responsible():
    got = roles("1.培育企业。加强培育。（牵头单位：市经济和信息化局；责任单位：市财政局、市科技局等相关部门，各县（区）人民政府）\n")
    assert got == [("1", ["市经济和信息化局"], ["市财政局", "市科技局", "各县（区）人民政府"])]


def test_ascii_brackets_and_colons():
    got = roles("1.协同创新。支持合作。(责任单位:市科技局、市发展改革委)\n")
    assert got == [("1", [], ["市科技局", "市发展改革委"])]


def test_x_leads_y_assists():
    got = roles("2.强化招商。精准招商。（市投资促进局牵头，市商务局、市经济和信息化局配合）\n")
    assert got == [("2", ["市投资促进局"], ["市商务局", "市经济和信息化局"])]


def test_shared_by_division_of_duties():
    got = roles("3.建设园区。完成规划。（市自然资源和规划局、市住房城乡建设局按职责分工负责）\n")
    assert got == [("3", [], ["市自然资源和规划局", "市住房城乡建设局"])]


def test_bracket_that_is_not_a_unit_list_is_ignored():
    assert roles("1.发展。加快发展生物药（含疫苗、抗体）和医疗器械（不含体外诊断）。\n") == []


def test_convention_first_listed_unit_leads():
    text = ("1.加强用地。保障用地。（责任单位：市自然资源局、市发展改革委）\n"
            "2.加强人才。引进人才。（责任单位：市委组织部、市人社局）\n"
            "注：责任单位中列第一位的为牵头单位。\n")
    got = roles(text)
    assert got[:2] == [("1", ["市自然资源局"], ["市发展改革委"]), ("2", ["市委组织部"], ["市人社局"])]


def test_convention_first_comma():
    text = ("说明：责任单位中第一个逗号前为牵头单位。\n"
            "1.加强用地。保障用地。（责任单位：市自然资源局，市发展改革委、市财政局）\n")
    assert roles(text) == [("1", ["市自然资源局"], ["市发展改革委", "市财政局"])]


def test_blanket_units_not_listed_again():
    text = ("各县（区）人民政府为各项任务的责任单位，以下不再列出。\n"
            "1.加强用地。保障用地。（牵头单位：市自然资源局）\n2.加强人才。引进人才。（牵头单位：市委组织部）\n")
    got = roles(text)
    assert ("1", ["市自然资源局"], ["各县（区）人民政府"]) in got
    assert ("2", ["市委组织部"], ["各县（区）人民政府"]) in got


def test_subject_of_a_duty_without_labels():
    got = roles("（二）强化联动。市级相关部门要积极支持。龙头企业要担好链主。地方各级人民政府要加强领导。\n")
    assert got == [("（二）", [], ["市级相关部门", "地方各级人民政府"])]


def test_objects_of_support_are_not_units():
    assert roles("（五）优化布局。支持长寿区、大渡口区建设产业园。推动各县（区）错位发展。\n", city="重庆市") == []


def test_charged_with_coordinating_is_lead():
    got = roles("（一）强化组织。充分发挥产业链推进组协调指导作用。产业链推进组成员单位要按照职责推进工作。\n", city="聊城市")
    assert got == [("（一）", ["产业链推进组"], ["产业链推进组成员单位"])]


def test_leading_group_office_and_members():
    text = ("（一）加强领导。成立领导小组，市发展改革委、市财政局等部门为成员单位。领导小组办公室设在市经济和信息化局，负责日常工作。\n")
    assert roles(text) == [("（一）", ["市经济和信息化局"], ["市发展改革委", "市财政局"])]


def test_persons_are_not_units():
    assert roles("第一条 健全机制。由县（区）委副书记牵头揽总；鼓励县（区）党政主要领导亲自抓。\n") == []


def test_reward_clause_names_no_duty_bearer():
    assert roles("第七条 落实激励。引进企业投资达3亿元以上，由县（区）牵头推动落地的奖励相应县（区）100万元。\n") == []


def test_districts_bearing_targets_are_responsible():
    got = roles("二、目标\n\n到2025年，巴州区、巴中经开区产值突破50亿元，全市产值超200亿元。\n", city="巴中市")
    assert got == [("二", [], ["巴州区", "巴中经开区"])]


def test_multiple_brackets_split_the_item():
    text = "三、加强保障。完善用地。（责任单位：市自然资源局）加强人才引进。（责任单位：市委组织部）强化资金。（责任单位：市财政局）\n"
    assert roles(text) == [("三", [], ["市自然资源局"]), ("三-2", [], ["市委组织部"]), ("三-3", [], ["市财政局"])]


def test_aliases_resolve_per_city():
    text = "1.培育。内容。（牵头单位：市经信局；责任单位：市市生态环境局、经信局、市投促局）\n"
    # A unit printed as lead and again among the responsible keeps both roles, as printed.
    assert roles(text, city="巴中市") == [("1", ["市经济和信息化局"], ["市生态环境局", "市经济和信息化局", "市投资促进局"])]


def test_same_name_in_two_cities_is_two_units():
    from policykg.ingest.units import canonical
    assert canonical("市科技局", "巴中市").known and canonical("市科技局", "聊城市").known
    # Each city's own gazetteer row decides; an unknown city keeps the printed name.
    assert canonical("市科技局", "宜宾市").name == "市科技局" and not canonical("市科技局", "宜宾市").known


def test_city_prefix_is_repaired_through_the_gazetteer():
    from policykg.ingest.units import canonical
    assert canonical("重庆市财政局", "重庆市").name == canonical("市财政局", "重庆市").name


TABLE_CELLS = ("附件\n重点任务分解表\n\t序号\n\t重点任务\n\t牵头单位\n\t配合单位\n\t完成时限\n\n"
               "\t1\n\t建设中药材交易中心。\n\t市商务局\n\t市市场监管局\n\n市经济和信\n\n息化局\n\t2025年底前\n\n"
               "\t2\n\t培育龙头企业5家。\n\t市经济和信息化局\n\t——\n\t每年\n")


def test_cell_per_line_table_with_names_broken_over_lines():
    doc = extract_text(TABLE_CELLS, overrides={"city": "巴中市"})
    rows = {p.id: p for p in doc.provisions if p.kind == "table_row"}
    assert set(rows) == {"附件/1", "附件/2"}
    assert [m.name for m in rows["附件/1"].responsible_units] == ["市市场监督管理局", "市经济和信息化局"]
    assert [(d.date, d.kind) for d in rows["附件/1"].deadlines] == [("2025-12-31", "by")]
    assert rows["附件/2"].responsible_units == [] and [t.value for t in rows["附件/2"].targets] == [5]


def test_row_per_line_table():
    text = "序号\t工作任务\t牵头单位\t责任单位\n1\t建设园区。\t市发展改革委\t市财政局、市自然资源局\n2\t引进人才。\t市委组织部\t市人社局\n"
    doc = extract_text(text)
    rows = [(p.id, [m.name for m in p.lead_units], [m.name for m in p.responsible_units])
            for p in doc.provisions if p.kind == "table_row"]
    assert rows == [("1", ["市发展改革委"], ["市财政局", "市自然资源局"]), ("2", ["市委组织部"], ["市人社局"])]


def test_reference_cell_records_the_document():
    text = ("附件1\n\t序号\n\t工作任务\n\t牵头单位\n\t责任单位\n\n\t1\n\t加快种植。\n\t参照《某市中药材方案》责任分工清单\n\t\n")
    doc = extract_text(text)
    (row,) = [p for p in doc.provisions if p.kind == "table_row"]
    assert row.refers_to == ["某市中药材方案"] and not row.lead_units and not row.responsible_units


def test_labels_separated_by_commas_and_other_columns():
    got = roles("1.建设。完成建设。（牵头单位：市发展改革委，配合单位：市财政局、市自然资源局；完成时限：2025年底）\n")
    assert got == [("1", ["市发展改革委"], ["市财政局", "市自然资源局"])]


def test_lead_marked_inside_the_list():
    got = roles("1.建设。完成建设。（责任单位：市发展改革委（牵头）、市财政局）\n")
    assert got == [("1", ["市发展改革委"], ["市财政局"])]


def test_label_lines_after_the_item():
    text = "1.加快项目建设。完成项目建设。\n牵头单位：市发展改革委\n责任单位：市财政局、各县（市、区）人民政府\n2.下一项。内容。\n"
    got = roles(text)
    assert got == [("1", ["市发展改革委"], ["市财政局", "各县（市、区）人民政府"])]


def test_bracket_with_a_blanket_statement_inside():
    text = ("（一）培育主体。实施培育工程。（市农业农村局牵头，市财政局配合，各县市区政府负责落实。以下均需各县市区政府落实，不再列出）\n"
            "（二）建设园区。建成示范园区。（市发展改革委按职责分工负责）\n")
    assert roles(text) == [("（一）", ["市农业农村局"], ["市财政局", "各县市区政府"]),
                           ("（二）", [], ["市发展改革委", "各县市区政府"])]


def test_working_group_office_leads():
    text = "（一）加强领导。成立工作专班，专班办公室设在市农业农村局，负责日常工作。\n"
    assert roles(text) == [("（一）", ["市农业农村局"], [])]
