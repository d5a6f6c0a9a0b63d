"""The Data Monitor's custom GX expectations.

Importing this package registers every expectation and metric with GX. GX does not import
plugins by itself, and a suite naming an unregistered type silently loses that expectation, so
every entry point imports this package before loading a suite.
"""

from custom_expectations.expect_column_count_to_suit_clean_rooms import (
    ExpectColumnCountToSuitCleanRooms,
)
from custom_expectations.expect_column_names_to_suit_clean_rooms import (
    ExpectColumnNamesToSuitCleanRooms,
)
from custom_expectations.expect_column_types_to_suit_clean_rooms import (
    ExpectColumnTypesToSuitCleanRooms,
)
from custom_expectations.expect_configured_tables_to_match_the_table import (
    ExpectConfiguredTablesToMatchTheTable,
)
from custom_expectations.expect_file_sizes_in_range import ExpectFileSizesInRange
from custom_expectations.expect_id_bucket_partitions_at_table_location import (
    ExpectIdBucketPartitionsAtTableLocation,
)
from custom_expectations.expect_id_bucket_partitions_in_storage import (
    ExpectIdBucketPartitionsInStorage,
)
from custom_expectations.expect_id_bucket_partitions_registered import (
    ExpectIdBucketPartitionsRegistered,
)
from custom_expectations.expect_id_bucket_rows_to_be_balanced import (
    ExpectIdBucketRowsToBeBalanced,
)
from custom_expectations.expect_join_key_to_suit_clean_rooms import (
    ExpectJoinKeyToSuitCleanRooms,
)
from custom_expectations.expect_primary_key_values_to_be_unique import (
    ExpectPrimaryKeyValuesToBeUnique,
)
from custom_expectations.expect_primary_key_values_to_not_be_null import (
    ExpectPrimaryKeyValuesToNotBeNull,
)
from custom_expectations.expect_registered_partitions_to_have_data import (
    ExpectRegisteredPartitionsToHaveData,
)
from custom_expectations.expect_row_count_to_follow_history import ExpectRowCountToFollowHistory
from custom_expectations.expect_row_count_to_match_source import ExpectRowCountToMatchSource
from custom_expectations.expect_snapshot_to_advance import ExpectSnapshotToAdvance
from custom_expectations.expect_snapshot_to_be_fresh import ExpectSnapshotToBeFresh
from custom_expectations.expect_snapshot_to_keep_up_with_raw_input import (
    ExpectSnapshotToKeepUpWithRawInput,
)
from custom_expectations.expect_storage_format_to_suit_clean_rooms import (
    ExpectStorageFormatToSuitCleanRooms,
)
from custom_expectations.expect_table_location_to_hold_the_data import (
    ExpectTableLocationToHoldTheData,
)
from custom_expectations.expect_table_schema_contract import ExpectTableSchemaContract
from custom_expectations.expect_table_schema_to_be_unchanged import (
    ExpectTableSchemaToBeUnchanged,
)
from custom_expectations.expect_table_to_be_external_parquet import (
    ExpectTableToBeExternalParquet,
)
from custom_expectations.metrics import TableInventory, TableKeyProfile

__all__ = [
    "ExpectTableLocationToHoldTheData",
    "ExpectJoinKeyToSuitCleanRooms",
    "ExpectRegisteredPartitionsToHaveData",
    "ExpectColumnCountToSuitCleanRooms",
    "ExpectColumnNamesToSuitCleanRooms",
    "ExpectColumnTypesToSuitCleanRooms",
    "ExpectConfiguredTablesToMatchTheTable",
    "ExpectStorageFormatToSuitCleanRooms",
    "ExpectIdBucketRowsToBeBalanced",
    "ExpectFileSizesInRange",
    "ExpectIdBucketPartitionsAtTableLocation",
    "ExpectIdBucketPartitionsInStorage",
    "ExpectIdBucketPartitionsRegistered",
    "ExpectPrimaryKeyValuesToBeUnique",
    "ExpectPrimaryKeyValuesToNotBeNull",
    "ExpectRowCountToFollowHistory",
    "ExpectRowCountToMatchSource",
    "ExpectSnapshotToAdvance",
    "ExpectSnapshotToBeFresh",
    "ExpectSnapshotToKeepUpWithRawInput",
    "ExpectTableSchemaContract",
    "ExpectTableSchemaToBeUnchanged",
    "ExpectTableToBeExternalParquet",
    "TableInventory",
    "TableKeyProfile",
]
