"""SQLModel tables (DESIGN §1): plain ``SQLModel, table=True``; no reflex, no rules.

Every table lives in ``SQLModel.metadata``; the Alembic migrations under
``chingin_app/migrations`` create the same schema (a test compares them).
"""

from chingin_app.models.batch_savings import BatchSavingsItem, BatchSavingsStatement
from chingin_app.models.calendar import ClosedDay, MaintenanceWindowRecord
from chingin_app.models.certificates import Certificate, CertificateStatus, RevocationReason
from chingin_app.models.contracts import Contract, ContractStatus, PaymentGroup
from chingin_app.models.deployment import DeploymentFile, StoredCrl
from chingin_app.models.ledger import (
    LedgerDetail,
    LedgerDetailHistory,
    LedgerItemType,
    LedgerRequest,
    LedgerRequestItem,
    LedgerResultItem,
)
from chingin_app.models.mail import MailOutbox
from chingin_app.models.manuals import Manual
from chingin_app.models.notices import BusinessNotice, NoticeSetting
from chingin_app.models.operators import (
    Operator,
    OperatorCertificate,
    OperatorSession,
    OperatorStatus,
)
from chingin_app.models.oplog import ActorKind, LogResult, OperationLog, OperationLogHead
from chingin_app.models.rokin import (
    DeductionDetail,
    DeductionDetailHistory,
    DeductionRequest,
    DeductionRequestItem,
    DeductionResultItem,
    Employee,
    EmployeeHistory,
    RokinProduct,
)
from chingin_app.models.tab_bindings import TabBinding
from chingin_app.models.types import UTCDateTime, utc
from chingin_app.models.users import (
    MENU_LEVELS,
    AuthCodeChallenge,
    LoginSession,
    MenuPermission,
    User,
    UserRole,
    fold_user_id,
)
from chingin_app.models.zaikei import (
    ZaikeiBalance,
    ZaikeiBalanceItem,
    ZaikeiDeposit,
    ZaikeiDepositItem,
)

__all__ = [
    "MENU_LEVELS",
    "ActorKind",
    "AuthCodeChallenge",
    "BatchSavingsItem",
    "BatchSavingsStatement",
    "BusinessNotice",
    "Certificate",
    "CertificateStatus",
    "ClosedDay",
    "Contract",
    "ContractStatus",
    "DeductionDetail",
    "DeductionDetailHistory",
    "DeductionRequest",
    "DeductionRequestItem",
    "DeductionResultItem",
    "DeploymentFile",
    "Employee",
    "EmployeeHistory",
    "LedgerDetail",
    "LedgerDetailHistory",
    "LedgerItemType",
    "LedgerRequest",
    "LedgerRequestItem",
    "LedgerResultItem",
    "LogResult",
    "LoginSession",
    "MailOutbox",
    "MaintenanceWindowRecord",
    "Manual",
    "MenuPermission",
    "NoticeSetting",
    "OperationLog",
    "OperationLogHead",
    "Operator",
    "OperatorCertificate",
    "OperatorSession",
    "OperatorStatus",
    "PaymentGroup",
    "RevocationReason",
    "RokinProduct",
    "StoredCrl",
    "TabBinding",
    "UTCDateTime",
    "User",
    "UserRole",
    "ZaikeiBalance",
    "ZaikeiBalanceItem",
    "ZaikeiDeposit",
    "ZaikeiDepositItem",
    "fold_user_id",
    "utc",
]
