from tests.reference_once import ref, reference_data_for_module  # noqa: F401  (fixtures)
