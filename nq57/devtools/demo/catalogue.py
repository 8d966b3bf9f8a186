"""Believable Vietnamese content for the demo: Plan 02's groups, task templates,
notes and names. Public facts are marked; everything else is invented for the demo."""

import datetime
from typing import TypedDict


class Document(TypedDict):
    code: str
    title: str
    issue_date: datetime.date
    signed_by: str


class PlanDocument(Document):
    phases: list[tuple[str, datetime.date, datetime.date]]  # name, start, end


# Public: Resolution 57-NQ/TW (22/12/2024) and Plan 02-KH/BCĐTW (19/06/2025).
RESOLUTION_57: Document = {
    "code": "57-NQ/TW",
    "title": "Nghị quyết về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo "
    "và chuyển đổi số quốc gia",
    "issue_date": datetime.date(2024, 12, 22),
    "signed_by": "Tô Lâm",
}
PLAN_02: PlanDocument = {
    "code": "02-KH/BCĐTW",
    "title": "Kế hoạch thúc đẩy chuyển đổi số liên thông, đồng bộ, nhanh, hiệu quả đáp ứng "
    "yêu cầu sắp xếp tổ chức bộ máy của hệ thống chính trị",
    "issue_date": datetime.date(2025, 6, 19),
    "signed_by": "Trần Cẩm Tú",
    "phases": [
        (
            "Giai đoạn cấp bách (đến 30/6/2025)",
            datetime.date(2025, 6, 19),
            datetime.date(2025, 6, 30),
        ),
        (
            "Giai đoạn bứt phá (đến 31/12/2025)",
            datetime.date(2025, 7, 1),
            datetime.date(2025, 12, 31),
        ),
    ],
}
PLAN_02_GROUPS = [
    "Hoàn thiện thể chế, hệ thống pháp luật",
    "Xây dựng hạ tầng số",
    "Dữ liệu",
    "Thống nhất nền tảng, ứng dụng phục vụ người dân, doanh nghiệp và hoạt động của các cơ quan "
    "trong hệ thống chính trị",
    "Nhân lực cho chuyển đổi số",
    "Nguồn lực tài chính",
    "Chuyển đổi số khối Quốc hội, Mặt trận Tổ quốc, các tổ chức chính trị - xã hội, tòa án, viện kiểm sát",
    "Bảo đảm an toàn, an ninh thông tin",
]

# Central tasks of Plan 02 for the demo: (group, lead agency code, title, product, cascades).
# `cascades` marks tasks that every province carries out in its own plan.
CENTRAL_TASKS = [
    (
        1,
        "TW-BNV",
        "Rà soát, sửa đổi quy định về tổ chức chính quyền địa phương hai cấp bảo đảm vận hành trên môi trường số",
        "Nghị định sửa đổi được ban hành",
        False,
    ),
    (
        1,
        "TW-BTP",
        "Rà soát, bãi bỏ thủ tục hành chính không còn phù hợp sau sắp xếp đơn vị hành chính",
        "Quyết định công bố danh mục thủ tục hành chính bãi bỏ",
        False,
    ),
    (
        1,
        "TW-VPTW",
        "Ban hành quy chế vận hành hệ thống thông tin giải quyết thủ tục hành chính cấp tỉnh sau sắp xếp",
        "Quyết định ban hành quy chế của UBND tỉnh",
        True,
    ),
    (
        2,
        "TW-BKHCN",
        "Phủ sóng di động băng rộng đến các thôn, bản chưa có sóng",
        "Báo cáo kết quả phủ sóng, danh sách thôn được phủ sóng",
        False,
    ),
    (
        2,
        "TW-VPTW",
        "Kết nối mạng truyền số liệu chuyên dùng đến 100% trụ sở xã, phường, đặc khu",
        "Biên bản nghiệm thu kết nối tại các xã",
        True,
    ),
    (
        3,
        "TW-BCA",
        "Làm sạch, đồng bộ dữ liệu dân cư phục vụ giải quyết thủ tục hành chính",
        "Báo cáo tỷ lệ dữ liệu đúng, đủ, sạch, sống",
        False,
    ),
    (
        3,
        "TW-VPTW",
        "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực",
        "Kho dữ liệu số hóa được kết nối Cổng dịch vụ công quốc gia",
        True,
    ),
    (
        4,
        "TW-VPCP",
        "Nâng cấp Cổng dịch vụ công quốc gia phục vụ chính quyền hai cấp",
        "Cổng dịch vụ công quốc gia phiên bản mới vận hành",
        False,
    ),
    (
        4,
        "TW-VPTW",
        "Cung cấp dịch vụ công trực tuyến toàn trình cho thủ tục đủ điều kiện",
        "Danh mục dịch vụ công trực tuyến toàn trình được công bố",
        True,
    ),
    (
        5,
        "TW-BNV",
        "Bồi dưỡng kỹ năng số cho cán bộ, công chức cấp xã sau sắp xếp",
        "Báo cáo kết quả bồi dưỡng, danh sách học viên",
        False,
    ),
    (
        5,
        "TW-VPTW",
        "Thành lập và duy trì tổ công nghệ số cộng đồng tại các thôn, tổ dân phố",
        "Quyết định thành lập tổ công nghệ số cộng đồng",
        True,
    ),
    (
        6,
        "TW-BTC",
        "Hướng dẫn bố trí kinh phí thực hiện chuyển đổi số năm 2025",
        "Thông tư hướng dẫn được ban hành",
        False,
    ),
    (
        7,
        "TW-VPTW",
        "Triển khai hệ thống quản lý văn bản liên thông khối Đảng, Mặt trận và đoàn thể",
        "Hệ thống vận hành chính thức, báo cáo kết quả",
        False,
    ),
    (
        8,
        "TW-BCA",
        "Kiểm tra, đánh giá an toàn thông tin các hệ thống thông tin dùng chung",
        "Báo cáo kết quả kiểm tra, đánh giá",
        False,
    ),
    (
        8,
        "TW-VPTW",
        "Phê duyệt hồ sơ đề xuất cấp độ an toàn cho hệ thống thông tin của tỉnh",
        "Quyết định phê duyệt cấp độ an toàn hệ thống thông tin",
        True,
    ),
]

# Province task templates per group: (title, product). "{x}" takes a subject from SUBJECTS.
PROVINCE_TEMPLATES = {
    1: [
        ("Ban hành quy chế quản lý, vận hành {x} của tỉnh", "Quyết định ban hành quy chế"),
        (
            "Rà soát, chuẩn hóa quy trình nội bộ giải quyết thủ tục hành chính lĩnh vực {x}",
            "Quyết định phê duyệt quy trình nội bộ",
        ),
        ("Xây dựng quy định về chia sẻ, khai thác dữ liệu {x}", "Văn bản quy định được ban hành"),
    ],
    2: [
        ("Nâng cấp hạ tầng kết nối cho {x}", "Biên bản nghiệm thu, báo cáo kết quả"),
        (
            "Phủ sóng di động 4G/5G tại các thôn, bản còn vùng lõm sóng ({x})",
            "Danh sách thôn được phủ sóng, báo cáo của nhà mạng",
        ),
        (
            "Trang bị thiết bị đầu cuối, chữ ký số cho {x}",
            "Biên bản bàn giao thiết bị, danh sách chữ ký số cấp phát",
        ),
    ],
    3: [
        (
            "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính lĩnh vực {x}",
            "Dữ liệu số hóa được cập nhật vào kho dữ liệu của tỉnh",
        ),
        ("Làm sạch, chuẩn hóa cơ sở dữ liệu {x}", "Báo cáo tỷ lệ dữ liệu đúng, đủ, sạch, sống"),
        (
            "Kết nối cơ sở dữ liệu {x} với nền tảng tích hợp, chia sẻ dữ liệu của tỉnh (LGSP)",
            "Biên bản kiểm thử kết nối, báo cáo số giao dịch",
        ),
    ],
    4: [
        (
            "Cung cấp dịch vụ công trực tuyến toàn trình lĩnh vực {x}",
            "Quyết định công bố danh mục dịch vụ công trực tuyến toàn trình",
        ),
        (
            "Triển khai ứng dụng {x} dùng chung toàn tỉnh",
            "Hệ thống vận hành chính thức, báo cáo số người dùng",
        ),
        (
            "Nâng tỷ lệ hồ sơ nộp trực tuyến lĩnh vực {x} đạt trên 80%",
            "Báo cáo thống kê tỷ lệ hồ sơ trực tuyến hằng tháng",
        ),
    ],
    5: [
        ("Tập huấn kỹ năng số cho {x}", "Báo cáo kết quả tập huấn, danh sách học viên"),
        (
            "Phổ cập kỹ năng số cho người dân qua phong trào Bình dân học vụ số ({x})",
            "Báo cáo số người dân được hướng dẫn",
        ),
    ],
    6: [
        ("Bố trí kinh phí năm 2026 cho {x}", "Quyết định giao dự toán kinh phí"),
        (
            "Huy động doanh nghiệp viễn thông hỗ trợ {x}",
            "Biên bản ghi nhớ hợp tác, báo cáo giá trị hỗ trợ",
        ),
    ],
    7: [
        (
            "Triển khai phần mềm quản lý văn bản và điều hành cho {x}",
            "Hệ thống vận hành, báo cáo tỷ lệ văn bản điện tử",
        ),
        ("Số hóa hồ sơ, tài liệu lưu trữ của {x}", "Dữ liệu lưu trữ số được bàn giao"),
    ],
    8: [
        ("Phê duyệt hồ sơ cấp độ an toàn hệ thống thông tin {x}", "Quyết định phê duyệt cấp độ"),
        ("Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng ({x})", "Báo cáo kết quả diễn tập"),
        ("Giám sát an toàn thông tin tập trung cho {x}", "Báo cáo giám sát hằng quý"),
    ],
}
SUBJECTS = [
    "đất đai",
    "tư pháp - hộ tịch",
    "xây dựng",
    "đăng ký kinh doanh",
    "lao động - việc làm",
    "bảo trợ xã hội",
    "giáo dục",
    "y tế",
    "giao thông",
    "tài nguyên và môi trường",
    "văn hóa - thể thao",
    "nông nghiệp",
    "các sở, ngành",
    "các xã, phường",
    "khối Đảng, đoàn thể",
    "Trung tâm Phục vụ hành chính công",
    "cán bộ, công chức cấp xã",
    "thôn, tổ dân phố",
]

# Commune-level tasks that a province cascades down: (group, title, product).
COMMUNE_TASKS = [
    (
        2,
        "Kết nối mạng truyền số liệu chuyên dùng và Internet tốc độ cao tại trụ sở xã",
        "Biên bản nghiệm thu kết nối",
    ),
    (
        2,
        "Trang bị máy tính, máy quét và chữ ký số cho bộ phận một cửa",
        "Biên bản bàn giao thiết bị",
    ),
    (
        3,
        "Số hóa hồ sơ hộ tịch, đất đai còn hiệu lực của xã",
        "Báo cáo số hồ sơ đã số hóa, cập nhật vào kho dữ liệu",
    ),
    (3, "Làm sạch dữ liệu dân cư trên địa bàn xã", "Báo cáo tỷ lệ dữ liệu đúng, đủ, sạch, sống"),
    (
        4,
        "Tiếp nhận, giải quyết thủ tục hành chính trực tuyến toàn trình tại Trung tâm phục vụ hành chính công xã",
        "Báo cáo tỷ lệ hồ sơ trực tuyến hằng tháng",
    ),
    (
        4,
        "Sử dụng phần mềm quản lý văn bản và điều hành liên thông với tỉnh",
        "Báo cáo tỷ lệ văn bản điện tử có chữ ký số",
    ),
    (
        5,
        "Thành lập tổ công nghệ số cộng đồng tại các thôn, tổ dân phố",
        "Quyết định thành lập, danh sách thành viên",
    ),
    (5, "Tập huấn kỹ năng số cho cán bộ, công chức và người dân", "Báo cáo kết quả tập huấn"),
    (
        8,
        "Kiểm tra an toàn hạ tầng, thiết bị công nghệ thông tin hằng ngày",
        "Sổ theo dõi kiểm tra, báo cáo sự cố",
    ),
    (6, "Bố trí kinh phí chuyển đổi số năm 2026 của xã", "Quyết định giao dự toán"),
    (7, "Số hóa tài liệu lưu trữ của Đảng ủy, Ủy ban MTTQ xã", "Dữ liệu lưu trữ số được bàn giao"),
    (1, "Ban hành kế hoạch chuyển đổi số năm 2026 của xã", "Kế hoạch được ban hành"),
]

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE_NAMES = [
    "Văn",
    "Thị",
    "Đức",
    "Minh",
    "Quang",
    "Thanh",
    "Hữu",
    "Ngọc",
    "Xuân",
    "Hồng",
    "Thu",
    "Anh",
]
GIVEN_NAMES = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Trang",
    "Trung",
    "Tuấn",
    "Vân",
    "Yến",
    "Đạt",
    "Lộc",
    "Nhung",
]

PROGRESS_NOTES = [
    "Đã ban hành văn bản triển khai, phân công cán bộ phụ trách.",
    "Hoàn thành khảo sát hiện trạng, đang xây dựng dự thảo.",
    "Đã tổ chức tập huấn cho {n} cán bộ, công chức.",
    "Đã số hóa {n} hồ sơ, đạt khoảng {p}% khối lượng.",
    "Đang chờ nhà mạng lắp đặt thiết bị tại {k} thôn còn lại.",
    "Đã làm việc với Sở Khoa học và Công nghệ để thống nhất giải pháp kỹ thuật.",
    "Tiến độ đạt {p}%, tiếp tục triển khai theo kế hoạch.",
    "Đã hoàn thành dự thảo, đang lấy ý kiến các đơn vị phối hợp.",
]
DIFFICULTY_NOTES = [
    "Khó khăn: thiếu kinh phí, đã đề xuất UBND tỉnh bổ sung.",
    "Vướng mắc: đường truyền chập chờn, ảnh hưởng tiến độ cập nhật dữ liệu.",
    "Khó khăn: cán bộ phụ trách kiêm nhiệm nhiều việc sau sắp xếp, thiếu nhân lực chuyên trách.",
    "Vướng mắc: phần mềm chưa kết nối được với nền tảng của tỉnh, chờ nhà cung cấp xử lý.",
]
OBSTACLE_PROGRESS_NOTE = "Đang triển khai, đạt {p}% khối lượng."
COMPLETION_NOTES = [
    "Hoàn thành, đã gửi báo cáo kết quả kèm minh chứng.",
    "Đã hoàn thành và nghiệm thu, sản phẩm đưa vào sử dụng.",
    "Hoàn thành nhiệm vụ, văn bản đã được ký ban hành.",
]
AWAITING_NOTE = "Đã hoàn thiện sản phẩm, trình lãnh đạo UBND ký ban hành."
PAUSED_NOTE = "Tạm dừng chờ hướng dẫn của Sở Khoa học và Công nghệ về nền tảng dùng chung."
WITHDRAWAL_REASON = (
    "Giao nhầm: nhiệm vụ này xã không có đối tượng thực hiện (không có khu công nghiệp trên địa bàn)."
)
CANCELLED_NOTE = "Hủy theo chỉ đạo của Ban Chỉ đạo tỉnh: nội dung được gộp vào nhiệm vụ dùng chung cấp tỉnh."
START_NOTE = "Bắt đầu triển khai nhiệm vụ."
