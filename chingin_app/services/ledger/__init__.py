"""賃控元帳事務 (SPEC §11 RL-1 … RL-11), one module per menu family:

    details      RL-1/2/4 明細照会・新規登録・更新履歴 (on the rules shared with 労金控除)
    items        RL-11 種目情報照会 (add, change, delete while unused)
    check_lists  RL-3 確認リスト (内訳・種目合計・異動分)
    bulk         RL-8 明細一括更新 (preview, then apply)
    transfer     RL-9/10 明細データエクスポート／インポート (preview, then apply)
    cycle        RL-CYCLE-1 … 4 the monthly 賃控元帳控除依頼 and its results (the bank's side,
                 queries)
    outputs      RL-5/6/7 控除依頼リスト・データエクスポート・結果リスト
    combined     RL-12/13 労金控除賃控元帳依頼リスト・データエクスポート (both kinds)

The package ``__init__`` imports nothing.
"""
