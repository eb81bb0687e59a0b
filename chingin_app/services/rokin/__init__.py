"""労金控除事務 (SPEC §11 RK-1 … RK-11, R-PLUS-1, R-PLUS-2), one module per menu family:

    details         RK-1/2/3 明細照会・新規登録・更新履歴 (search, add, change, cancel, history)
    outputs         RK-4/5/6/7/11 the request and result lists, forms and exports
    remittance      RK-8/9/10 入金中止, まとめ入金確定・確定解除 and the WEB更新依頼明細書 screens
    reconciliation  R-PLUS-1 給与控除データ照合 (a preview; nothing is applied)
    kana_check      R-PLUS-2 カナ氏名チェックリスト
    cycle/          the monthly cycle itself: publishing, 入金中止, 確定, results, queries, demo

The package ``__init__`` imports nothing.
"""
