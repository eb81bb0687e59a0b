"""労金控除事務 (SPEC §11 RK-1 … RK-11, R-PLUS-1, R-PLUS-2), one module per menu family:

    detail_queries  RK-1 明細照会's reads (search, one detail, the products)
    details         RK-1 追加登録・変更・解除, RK-2 新規登録 (the changes and their input rules)
    detail_history  RK-3 更新履歴 (the snapshots each change records, the history query)
    outputs         RK-4/5/6/7/11 the request and result lists, forms and exports
    remittance      RK-8/9/10 入金中止, まとめ入金確定・確定解除 and the WEB更新依頼明細書 screens
    reconciliation  R-PLUS-1 給与控除データ照合 (a preview; nothing is applied)
    kana_check      R-PLUS-2 カナ氏名チェックリスト
    cycle/          the monthly cycle itself: publishing, 入金中止, 確定, results, queries, demo

The package ``__init__`` imports nothing.
"""
