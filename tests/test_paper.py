from dnaexplain import paper


def test_table_1_rows_by_dataset_and_label():
    tata = paper.table_1("human_nontata_promoters", 1)
    assert tata["paper class"] == "TATA" and tata["n = 0"] == 0.968
    assert tata["random sequences"] == 0.306
    assert paper.table_1("human_enhancers_cohn", 0)["LRP* at 20"] == 0.838
    assert paper.table_1("synthetic", 1) is None
    assert len(paper.TABLE_1) == 4


def test_the_paper_models_fall_back_on_the_negative_class():
    # its models call random sequences non-promoter and non-enhancer
    assert paper.fallback_class("human_nontata_promoters") == 0
    assert paper.fallback_class("human_enhancers_cohn") == 0
    assert paper.fallback_class("prom_300_tata") is None
    assert set(paper.INFORMATIVE) == {("human_nontata_promoters", 1), ("human_enhancers_cohn", 1)}
