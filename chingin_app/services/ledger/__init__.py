"""賃控元帳事務 (SPEC §11 RL-1 … RL-11), one module per menu family:

    details      RL-1/2/4 明細照会・新規登録・更新履歴 (on the rules shared with 労金控除)
    items        RL-11 種目情報照会 (add, change, delete while unused)
    check_lists  RL-3 確認リスト (内訳・種目合計・異動分)
    bulk         RL-8 明細一括更新 (preview, then apply)
    transfer     RL-9/10 明細データエクスポート／インポート (preview, then apply)

The package ``__init__`` imports nothing.
"""
