from mmprp.models.common import halve_to_fit


def test_first_width_that_fits() -> None:
    assert halve_to_fit(512, lambda width: width <= 100, 8) == 64
    assert halve_to_fit(512, lambda width: True, 8) == 512


def test_stops_at_the_minimum_even_over_budget() -> None:
    tried = []

    def never(width: int) -> bool:
        tried.append(width)
        return False

    assert halve_to_fit(100, never, 8) == 8
    assert tried == [100, 50, 25, 12]
    assert halve_to_fit(6, never, 8) == 6
