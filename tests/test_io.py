"""Reading data files: formats, detection, column choice and the errors."""

import gzip

import numpy as np
import pytest

from gmmkit.datasets import load_old_faithful
from gmmkit.exceptions import DataError
from gmmkit.io import check_folder, read_table, write_table

FAITHFUL = load_old_faithful()


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ formats
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimited_with_header(tmp_path, delimiter):
    text = delimiter.join(["a", "b"]) + "\n"
    text += "".join(f"{x!r}{delimiter}{y!r}\n" for x, y in FAITHFUL.tolist())
    X, names = read_table(write(tmp_path, "d.txt", text))
    assert names == ["a", "b"]
    np.testing.assert_array_equal(X, FAITHFUL)


def test_semicolon_file_with_decimal_commas_is_read_as_numbers(tmp_path):
    """As R's read.csv2 and pandas' decimal="," read a European ;-file."""
    X, names = read_table(
        write(tmp_path, "d.csv", "eruptions;waiting\n3,6;79\n1,8;54\n")
    )
    assert names == ["eruptions", "waiting"]
    assert X.tolist() == [[3.6, 79.0], [1.8, 54.0]]
    # Without a header, with row labels, signs and exponents.
    X, names = read_table(write(tmp_path, "e.csv", "3,6;-79\n1,8;,5e1\n"))
    assert names == ["x0", "x1"] and X.tolist() == [[3.6, -79.0], [1.8, 5.0]]
    text = '"";"a";"b"\n"r1";3,6;79\n"r2";-1,8;54\n'
    X, names = read_table(write(tmp_path, "r.csv", text))
    assert names == ["a", "b"] and X.tolist() == [[3.6, 79.0], [-1.8, 54.0]]
    # Points stay points.
    X, _ = read_table(write(tmp_path, "p.csv", "a;b\n1.5;2\n3;4\n"))
    assert X.tolist() == [[1.5, 2.0], [3.0, 4.0]]


def test_decimal_commas_elsewhere_get_advice(tmp_path):
    path = write(tmp_path, "d.tsv", "eruptions\twaiting\n3,6\t79\n1,8\t54\n")
    with pytest.raises(DataError, match=r"values like '3,6' look like decimal commas"):
        read_table(path)


def test_header_with_another_delimiter_is_not_taken_for_row_labels(tmp_path):
    path = write(tmp_path, "d.csv", "a;b\n1,2\n3,4\n")
    with pytest.raises(
        DataError, match=r"header \(line 1\) has 1; the header holds ';'"
    ):
        read_table(path)


def test_csv_without_header_gets_positional_names(tmp_path):
    X, names = read_table(write(tmp_path, "d.csv", "1,2.5\n3,4e-3\n-5,6\n"))
    assert names == ["x0", "x1"]
    np.testing.assert_array_equal(X, [[1, 2.5], [3, 4e-3], [-5, 6]])


def test_r_faithful_dat_drops_the_row_index_column(tmp_path):
    # R's write.table: a header of two names over rows of three fields.
    text = "eruptions waiting\n" + "".join(
        f"{i + 1}   {x:.3f}      {y:g}\n" for i, (x, y) in enumerate(FAITHFUL)
    )
    X, names = read_table(write(tmp_path, "faithful.dat", text))
    assert names == ["eruptions", "waiting"]
    np.testing.assert_allclose(X, FAITHFUL, atol=5e-4)


def test_r_write_csv_with_quoted_row_names_is_read(tmp_path):
    text = '"","mpg","cyl"\n"Mazda RX4",21,6\n"Datsun 710",22.8,4\n'
    X, names = read_table(write(tmp_path, "mtcars.csv", text))
    assert names == ["mpg", "cyl"]
    np.testing.assert_array_equal(X, [[21, 6], [22.8, 4]])


def test_quoted_whitespace_file(tmp_path):
    text = '"mpg" "cyl"\n"Mazda RX4" 21 6\n"Datsun 710" 22.8 4\n'
    X, names = read_table(write(tmp_path, "mtcars.txt", text))
    assert names == ["mpg", "cyl"]
    np.testing.assert_array_equal(X, [[21, 6], [22.8, 4]])


def test_comments_blank_lines_and_bom_are_skipped(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("\ufeff# a comment\na,b\n\n1,2\n\n3,4\n".encode())
    X, names = read_table(path)
    assert names == ["a", "b"] and X.tolist() == [[1, 2], [3, 4]]


def test_gzipped_csv(tmp_path):
    path = tmp_path / "d.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n3,4\n"))
    assert read_table(path)[0].tolist() == [[1, 2], [3, 4]]


def test_single_column(tmp_path):
    X, names = read_table(write(tmp_path, "d.csv", "v\n1\n2\n3\n"))
    assert names == ["v"] and X.shape == (3, 1)


def test_npy_round_trip_and_1d(tmp_path):
    np.save(tmp_path / "d.npy", FAITHFUL)
    X, names = read_table(tmp_path / "d.npy")
    np.testing.assert_array_equal(X, FAITHFUL)
    assert names == ["x0", "x1"]
    np.save(tmp_path / "v.npy", np.arange(4))
    assert read_table(tmp_path / "v.npy")[0].shape == (4, 1)
    assert read_table(tmp_path / "d.npy", columns="1")[0].tolist() == (
        FAITHFUL[:, [1]].tolist()
    )


def test_npy_with_objects_is_refused_without_unpickling(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="never unpickles"):
        read_table(tmp_path / "o.npy")


def test_npy_3d_is_refused(tmp_path):
    np.save(tmp_path / "c.npy", np.zeros((2, 2, 2)))
    with pytest.raises(DataError, match="3-D array"):
        read_table(tmp_path / "c.npy")


def test_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {"eruptions": FAITHFUL[:, 0], "kind": "x", "waiting": FAITHFUL[:, 1]}
    )
    frame.to_parquet(tmp_path / "d.parquet")
    X, names = read_table(tmp_path / "d.parquet", columns=["eruptions", "waiting"])
    np.testing.assert_array_equal(X, FAITHFUL)
    assert names == ["eruptions", "waiting"]
    with pytest.raises(DataError, match=r"non-numeric column\(s\) 'kind'"):
        read_table(tmp_path / "d.parquet")
    frame.loc[7, "waiting"] = np.nan
    frame.to_parquet(tmp_path / "nan.parquet")
    with pytest.raises(DataError, match=r"missing value \(NaN\) at row 7.*'waiting'"):
        read_table(tmp_path / "nan.parquet", columns="0,2")


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow":
            raise ImportError("no pyarrow")
        return real_import(name, *args, **kwargs)

    (tmp_path / "d.parquet").write_bytes(b"PAR1")
    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(DataError, match=r"pip install 'gmmkit\[parquet\]'"):
        read_table(tmp_path / "d.parquet")


# ------------------------------------------------------------------- columns
def test_columns_by_name_and_by_position_keep_the_given_order(tmp_path):
    path = write(tmp_path, "d.csv", "a,b,c\n1,2,3\n4,5,6\n")
    X, names = read_table(path, columns="c,a")
    assert names == ["c", "a"] and X.tolist() == [[3, 1], [6, 4]]
    X, names = read_table(path, columns=[2, 0])
    assert names == ["c", "a"] and X.tolist() == [[3, 1], [6, 4]]
    X, names = read_table(path, columns="1")
    assert names == ["b"]


def test_choosing_columns_skips_a_non_numeric_column(tmp_path):
    path = write(tmp_path, "iris.csv", "x,y,species\n1,2,setosa\n3,4,virginica\n")
    X, names = read_table(path, columns="x,y")
    assert X.tolist() == [[1, 2], [3, 4]] and names == ["x", "y"]


def test_unknown_column_lists_the_available_ones(tmp_path):
    path = write(tmp_path, "d.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match=r"no column 'z'; available: 'a', 'b'"):
        read_table(path, columns="a,z")
    with pytest.raises(DataError, match="position 5 is out of range"):
        read_table(path, columns="5")
    with pytest.raises(DataError, match="chosen twice"):
        read_table(path, columns="a,0")
    with pytest.raises(DataError, match="empty entry"):
        read_table(path, columns="a,")


# -------------------------------------------------------------------- errors
def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "nope.csv")


def test_folder(tmp_path):
    with pytest.raises(DataError, match="is a folder"):
        read_table(tmp_path)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    with pytest.raises(DataError, match="is empty"):
        read_table(write(tmp_path, "e.csv", text))


def test_header_without_rows(tmp_path):
    with pytest.raises(DataError, match="header but no data rows"):
        read_table(write(tmp_path, "h.csv", "a,b\n"))


def test_ragged_row_gives_its_line_number(tmp_path):
    text = "a,b\n1,2\n3,4\n5\n7,8\n"
    with pytest.raises(DataError, match="line 4 has 1 fields, expected 2"):
        read_table(write(tmp_path, "r.csv", text))


def test_non_numeric_columns_are_named_not_dropped(tmp_path):
    path = write(tmp_path, "iris.csv", "x,y,species,site\n1,2,setosa,A\n3,4,v,B\n")
    with pytest.raises(DataError) as info:
        read_table(path)
    message = str(info.value)
    assert "'species'" in message and "'site'" in message
    assert "--columns x,y" in message


def test_non_numeric_cell_gives_line_and_column(tmp_path):
    text = "a,b\n1,2\n3,4\n5,oops\n"
    with pytest.raises(DataError, match=r"'oops' at line 4, column 'b'"):
        read_table(write(tmp_path, "n.csv", text))


@pytest.mark.parametrize("cell", ["", "NA", "nan", "NaN"])
def test_missing_value_gives_line_and_column(tmp_path, cell):
    text = f"a,b\n1,2\n3,{cell}\n5,6\n"
    with pytest.raises(DataError, match=r"missing value \(NaN\) at line 3, column 'b'"):
        read_table(write(tmp_path, "m.csv", text))


def test_infinite_value_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"infinite value at line 2, column 'a'"):
        read_table(write(tmp_path, "i.csv", "a,b\ninf,2\n"))


def test_binary_file_is_not_read_as_text(tmp_path):
    path = tmp_path / "model.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(DataError, match="binary file"):
        read_table(path)


def test_messages_are_one_line(tmp_path):
    path = write(tmp_path, "n.csv", "a,b\n1,2\n3,x\n")
    with pytest.raises(DataError) as info:
        read_table(path)
    assert "\n" not in str(info.value)


# -------------------------------------------------------------------- writing
def test_write_table_reads_back_exactly(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(50, 2)) * 1e3
    labels = rng.integers(-1, 3, size=50)
    path = tmp_path / "out.csv"
    write_table(path, {"a": values[:, 0], "b": values[:, 1], "label": labels})
    X, names = read_table(path)
    assert names == ["a", "b", "label"]
    np.testing.assert_array_equal(X[:, :2], values)
    np.testing.assert_array_equal(X[:, 2], labels)
    assert path.read_text().splitlines()[1].endswith(f",{labels[0]}")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_prefer_takes_named_columns_when_the_file_has_them(tmp_path):
    path = write(tmp_path, "d.csv", "b,a,label\n1,2,0\n3,4,1\n")
    X, names = read_table(path, prefer=["a", "b"])
    assert names == ["a", "b"] and X.tolist() == [[2, 1], [4, 3]]
    # Named but lacking one: an error naming it, never other columns instead.
    with pytest.raises(DataError, match=r"no column\(s\) named 'z'.*--columns"):
        read_table(path, prefer=["a", "z"])


def test_prefer_without_column_names_gives_every_column(tmp_path):
    headerless = write(tmp_path, "d.csv", "1,2,0\n3,4,1\n")
    X, names = read_table(headerless, prefer=["a", "b"])
    assert names == ["x0", "x1", "x2"] and X.shape == (2, 3)
    # Position names (a model fitted on columns 1 and 2 of such a file).
    X, names = read_table(headerless, prefer=["x1", "x2"])
    assert names == ["x1", "x2"] and X.tolist() == [[2, 0], [4, 1]]
    np.save(tmp_path / "d.npy", np.ones((3, 2)))
    assert read_table(tmp_path / "d.npy", prefer=["a", "b"])[1] == ["x0", "x1"]
    # A model without names, and a file with them: every column, by position.
    named = write(tmp_path, "n.csv", "u,v\n1,2\n")
    assert read_table(named, prefer=["x0", "x1"])[1] == ["u", "v"]


def test_check_folder_refuses_files_and_leaves_nothing_behind(tmp_path):
    check_folder(tmp_path)
    check_folder(tmp_path / "a" / "b")  # could be made: fine, and not made
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "f").write_text("x")
    with pytest.raises(OSError, match="is a file, not a folder"):
        check_folder(tmp_path / "f")
    with pytest.raises(OSError, match="cannot create the folder"):
        check_folder(tmp_path / "f" / "sub")
    assert [p.name for p in tmp_path.iterdir()] == ["f"]
